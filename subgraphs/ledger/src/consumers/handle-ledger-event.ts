import type { AnyEnvelope } from '@mesh/events';
import type { LedgerModels } from '../models/index.js';
import { recordCustomerMerge } from '../services/merge-customers.service.js';
import { postJournalEntry } from '../services/post-journal-entry.service.js';
import { recordOrderMovement, recordOrderPlaced } from '../services/record-order-summary.service.js';
import { openDiscountAccounts } from '../services/discount-accounts.service.js';
import { captureEntry, fulfilmentEntry, minorOf, refundEntry, returnEntry } from './event-entries.js';
import { movementEntry } from './inventory-entries.js';

/** Every topic the ledger consumes. */
export const ORDER_TOPICS = [
  'order.order-placed',
  'order.payment-captured',
  'order.payment-refunded',
  'order.order-status-changed',
  'order.return-received',
] as const;
export const INVENTORY_TOPICS = ['inventory.stock-movement-recorded'] as const;
export const CUSTOMER_TOPICS = ['customer.customers-merged'] as const;
export type LedgerTopic = (typeof ORDER_TOPICS)[number] | (typeof INVENTORY_TOPICS)[number] | (typeof CUSTOMER_TOPICS)[number];

/**
 * Whether an event can change the ledger: every one except a status change that moves no goods
 * (no `fulfillment`, and not a transition that must carry it, which handleLedgerEvent refuses).
 */
export function concernsLedger(envelope: AnyEnvelope<LedgerTopic>): boolean {
  if (envelope.type !== 'order.order-status-changed') return true;
  return envelope.data.fulfillment != null || envelope.data.to === 'SHIPPED' || envelope.data.to === 'PICKED_UP';
}

/**
 * Applies one event to the ledger: at most one journal entry (a single insert, unique per source,
 * so it is all or nothing and never twice), plus the order summary reconciliation compares it with,
 * or a customer alias. Safe to run again for the same event. Throws for an event that cannot be
 * posted (see UnpostableEventError, and BAD_USER_INPUT from the posting for an unknown account),
 * which the bus retries and then dead-letters.
 */
export async function handleLedgerEvent(models: LedgerModels, envelope: AnyEnvelope<LedgerTopic>): Promise<void> {
  switch (envelope.type) {
    case 'order.order-placed': {
      const { orderId, channel, locationId, customerId, total } = envelope.data;
      minorOf(envelope, total, 'total');
      await recordOrderPlaced(models, { orderId, channel, locationId, customerId, currency: total.currency, totalMinor: total.minorUnits });
      return;
    }
    case 'order.payment-captured': {
      const { orderId, channel, locationId, customerId, amount } = envelope.data;
      minorOf(envelope, amount, 'amount');
      // The expectation is recorded first: a capture whose posting then fails shows in reconciliation as MISSING_POSTING.
      const movement = { key: envelope.idempotencyKey, amountMinor: amount.minorUnits, at: new Date(envelope.occurredAt) };
      await recordOrderMovement(models, 'captures', { orderId, channel, locationId, customerId, currency: amount.currency }, movement);
      await openDiscountAccounts(models, envelope.data.discounts ?? []);
      const entry = captureEntry(envelope);
      if (entry) await postJournalEntry(models, entry);
      return;
    }
    case 'order.payment-refunded': {
      const { orderId, channel, locationId, customerId, amount, refundId } = envelope.data;
      minorOf(envelope, amount, 'amount');
      const movement = { key: refundId, amountMinor: amount.minorUnits, at: new Date(envelope.occurredAt) };
      await recordOrderMovement(models, 'refunds', { orderId, channel, locationId, customerId, currency: amount.currency }, movement);
      await postJournalEntry(models, refundEntry(envelope));
      return;
    }
    case 'order.order-status-changed': {
      const entry = fulfilmentEntry(envelope);
      if (entry) await postJournalEntry(models, entry);
      return;
    }
    case 'order.return-received': {
      const entry = returnEntry(envelope);
      if (entry) await postJournalEntry(models, entry);
      return;
    }
    case 'inventory.stock-movement-recorded': {
      const entry = movementEntry(envelope);
      if (entry) await postJournalEntry(models, entry);
      return;
    }
    case 'customer.customers-merged': {
      const { survivorId, mergedId } = envelope.data;
      await recordCustomerMerge(models, { survivorId, mergedId, mergedAt: new Date(envelope.occurredAt) });
      return;
    }
  }
}
