import type { EnvelopeOf, MovementType } from '@mesh/events';
import type { PostJournalEntryInput } from '../services/post-journal-entry.service.js';
import { ACCOUNTS, common, credit, debit, unitCost, UnpostableEventError } from './event-entries.js';

/**
 * How a stock movement moves inventory value (account 1300): the account on the other side, and
 * which way on hand may move. Stock in (quantityDelta > 0): Dr 1300, Cr `counterAccount`. Stock
 * out (quantityDelta < 0): Dr `counterAccount`, Cr 1300. Amount: |quantityDelta| x unitCostMinor.
 */
export interface MovementPostingRule {
  readonly counterAccount: string;
  /** The sign of quantityDelta the movement type may have; anything else is unpostable. */
  readonly direction: 'IN' | 'OUT' | 'EITHER';
  /** How the entry's memo names the movement. */
  readonly label: string;
}

/**
 * The ledger's inventory-value rules, one per movement type; null posts nothing here.
 * - RECEIPT: goods arrived before their invoice: Dr 1300, Cr 2050 goods received not invoiced.
 * - ADJUSTMENT_IN / ADJUSTMENT_OUT / DAMAGE / CYCLE_COUNT variance: against 5100 shrinkage (a gain
 *   reduces shrinkage, a loss adds to it).
 * - SALE: cost of goods is posted from the order's fulfilment (order.order-status-changed), and
 *   RETURN from order.return-received; posting them here too would count them twice.
 * - TRANSFER_OUT / TRANSFER_IN: value moves between locations of the same company (1300 stays).
 */
export const MOVEMENT_POSTING_RULES: Readonly<Record<MovementType, MovementPostingRule | null>> = {
  RECEIPT: { counterAccount: ACCOUNTS.goodsReceivedNotInvoiced, direction: 'IN', label: 'Received' },
  ADJUSTMENT_IN: { counterAccount: ACCOUNTS.shrinkage, direction: 'IN', label: 'Adjusted in' },
  ADJUSTMENT_OUT: { counterAccount: ACCOUNTS.shrinkage, direction: 'OUT', label: 'Adjusted out' },
  DAMAGE: { counterAccount: ACCOUNTS.shrinkage, direction: 'OUT', label: 'Damaged' },
  CYCLE_COUNT: { counterAccount: ACCOUNTS.shrinkage, direction: 'EITHER', label: 'Cycle count variance' },
  SALE: null,
  RETURN: null,
  TRANSFER_OUT: null,
  TRANSFER_IN: null,
};

/** The source type of inventory-value entries; the source id is the movement id (one entry per movement). */
export const STOCK_MOVEMENT_SOURCE = 'STOCK_MOVEMENT';

/**
 * The inventory-value entry of one applied stock movement (see MOVEMENT_POSTING_RULES), source
 * STOCK_MOVEMENT with the movement id. Null when the type posts nothing here, or the movement
 * moved nothing (a cycle count without variance) or is worth nothing. Throws UnpostableEventError
 * (dead-lettered, nothing posted) for an unknown type, a delta against its type's direction, or a
 * valuing movement without `unitCostMinor` and `currency` (a version-1 event, or a SKU inventory
 * has no cost for in the location's currency).
 */
export function movementEntry(envelope: EnvelopeOf<'inventory.stock-movement-recorded'>): PostJournalEntryInput | null {
  const data = envelope.data;
  if (!Object.hasOwn(MOVEMENT_POSTING_RULES, data.movementType))
    throw new UnpostableEventError(envelope, `movementType ${String(data.movementType)} is unknown`);
  const rule = MOVEMENT_POSTING_RULES[data.movementType];
  if (!rule) return null;
  if (!Number.isSafeInteger(data.quantityDelta)) throw new UnpostableEventError(envelope, 'quantityDelta must be an integer');
  if (data.quantityDelta === 0) return null;
  const inbound = data.quantityDelta > 0;
  if ((rule.direction === 'IN' && !inbound) || (rule.direction === 'OUT' && inbound)) {
    throw new UnpostableEventError(envelope, `a ${data.movementType} movement cannot change on hand by ${data.quantityDelta}`);
  }
  if (data.unitCostMinor == null || data.currency == null) {
    throw new UnpostableEventError(
      envelope,
      `the movement carries no unitCostMinor and currency (version ${envelope.version}): its inventory value cannot be posted`,
    );
  }
  if (data.currency !== 'USD' && data.currency !== 'EUR') throw new UnpostableEventError(envelope, `currency ${String(data.currency)} is not traded`);
  const units = BigInt(Math.abs(data.quantityDelta));
  const value = units * unitCost(envelope, data.unitCostMinor, 'unitCostMinor');
  if (value === 0n) return null;
  return {
    ...common(envelope),
    source: { type: STOCK_MOVEMENT_SOURCE, id: data.movementId },
    memo: `${rule.label}: ${inbound ? '+' : '-'}${units} x ${data.sku} at ${data.locationId}`,
    currency: data.currency,
    lines: inbound
      ? [debit(ACCOUNTS.inventory, value), credit(rule.counterAccount, value)]
      : [debit(rule.counterAccount, value), credit(ACCOUNTS.inventory, value)],
    locationId: data.locationId,
  };
}
