import { storedEnvelope } from '@mesh/events';
import { createHash, randomUUID } from 'node:crypto';
import type { AnyEnvelope } from '@mesh/events';
import { identifier } from '@mesh/server-kit';
import type { PosRejectionCode, PosTransactionInput } from '../__generated__/schema-types.js';
import type { OrderLineRecord, OrderRecord } from '../models/order.model.js';
import { fulfilledGoods, orderEnvelope, orderPlaced, paymentCaptured, statusChanged } from '../events/order-envelopes.js';
import type { CartPricing, CatalogVariant } from '../clients/product-client.js';
import { taxOf } from '../placement/tax-rules.js';

export const MAX_POS_LINES = 50;
export const MAX_POS_LINE_QUANTITY = 1000;
const MAX_POS_PROMOTIONS = 20;
/** How far ahead of the server's clock a till's timestamp may be (clock drift), before it is refused. */
const MAX_CLOCK_AHEAD_MS = 24 * 3600_000;

/** A till transaction that passed the shape checks, with its amounts as safe integers. */
export interface PosSale {
  readonly storeId: string;
  readonly localId: string;
  readonly deviceId: string;
  readonly sequence: number;
  readonly occurredAt: Date;
  readonly customerId: string | undefined;
  readonly currency: PosTransactionInput['currency'];
  /** discountMinor: what the till's promotions took off the line (0 when none). */
  readonly lines: readonly { sku: string; quantity: number; unitPriceMinor: number; discountMinor: number }[];
  /** The promotions the till says it applied; null when the till does not say (its prices stand as sent). */
  readonly promotionIds: readonly string[] | null;
  readonly payment: { method: PosTransactionInput['payment']['method']; amountMinor: number };
  /** `pos:<storeId>:<deviceId>:<localId>`: the order's idempotency key. */
  readonly key: string;
  /** A fingerprint of the transaction's content: the same key with other content is a CONFLICT. */
  readonly fingerprint: string;
}

/** A transaction refused before anything was written. */
export class PosRejection {
  constructor(
    readonly code: PosRejectionCode,
    readonly reason: string,
  ) {}
}

export const posOrderKey = (storeId: string, deviceId: string, localId: string) => `pos:${storeId}:${deviceId}:${localId}`;

/** The device and sequence of a transaction when they are well formed (its sequence then counts as received), else null. */
export function deviceSequenceOf(input: PosTransactionInput): { deviceId: string; sequence: number } | null {
  if (!Number.isInteger(input.sequence) || input.sequence < 1) return null;
  try {
    return { deviceId: identifier(input.deviceId, 'deviceId'), sequence: input.sequence };
  } catch {
    return null;
  }
}

/** Checks one transaction's shape and bounds; a PosRejection (INVALID_TRANSACTION) when it is malformed. */
export function checkPosTransaction(storeId: string, input: PosTransactionInput, now: Date): PosSale | PosRejection {
  const invalid = (reason: string) => new PosRejection('INVALID_TRANSACTION', reason);
  const ids = [
    ['localId', input.localId],
    ['deviceId', input.deviceId],
    ...(input.customerId != null ? [['customerId', input.customerId]] : []),
    ...input.lines.map((line, index) => [`lines[${index}].sku`, line.sku]),
  ];
  for (const [name, value] of ids) {
    try {
      identifier(value!, name!);
    } catch {
      return invalid(`${name} must be 1 to 128 letters, digits or _-:.@+`);
    }
  }
  if (!Number.isInteger(input.sequence) || input.sequence < 1) return invalid('sequence must be a whole number from 1');
  if (Number.isNaN(input.occurredAt.getTime())) return invalid('occurredAt is not a valid instant');
  if (input.occurredAt.getTime() > now.getTime() + MAX_CLOCK_AHEAD_MS) return invalid('occurredAt is more than a day in the future');
  if (input.lines.length < 1 || input.lines.length > MAX_POS_LINES) return invalid(`a transaction holds 1 to ${MAX_POS_LINES} lines`);
  const lines: { sku: string; quantity: number; unitPriceMinor: number; discountMinor: number }[] = [];
  for (const [index, line] of input.lines.entries()) {
    if (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > MAX_POS_LINE_QUANTITY)
      return invalid(`lines[${index}].quantity must be a whole number from 1 to ${MAX_POS_LINE_QUANTITY}`);
    const price = safeMinor(line.unitPriceMinor);
    if (price === null || !Number.isSafeInteger(price * line.quantity))
      return invalid(`lines[${index}].unitPriceMinor must be a whole number of minor units from 0`);
    const discount = safeMinor(line.discountMinor ?? 0n);
    if (discount === null || discount > price * line.quantity)
      return invalid(`lines[${index}].discountMinor must be a whole number of minor units from 0 to the line's amount`);
    lines.push({ sku: line.sku, quantity: line.quantity, unitPriceMinor: price, discountMinor: discount });
  }
  const promotionIds = input.promotionIds == null ? null : [...new Set(input.promotionIds)].sort();
  if (promotionIds) {
    if (promotionIds.length > MAX_POS_PROMOTIONS) return invalid(`at most ${MAX_POS_PROMOTIONS} promotions`);
    for (const id of promotionIds) {
      try {
        identifier(id, 'promotionIds');
      } catch {
        return invalid('promotionIds must be 1 to 128 letters, digits or _-:.@+');
      }
    }
    // Checked against the rules, the sale is priced as a basket: one line per SKU.
    if (new Set(lines.map((line) => line.sku)).size !== lines.length) return invalid('a transaction naming promotionIds has each SKU on one line');
  } else if (lines.some((line) => line.discountMinor > 0)) {
    return invalid('line discounts need the promotionIds that gave them');
  }
  const amountMinor = safeMinor(input.payment.amountMinor);
  if (amountMinor === null) return invalid('payment.amountMinor must be a whole number of minor units from 0');
  const customerId = input.customerId ?? undefined;
  const canonical = JSON.stringify([
    storeId,
    input.deviceId,
    input.localId,
    input.sequence,
    input.occurredAt.toISOString(),
    customerId ?? null,
    input.currency,
    lines.map((line) => [line.sku, line.quantity, line.unitPriceMinor]),
    [input.payment.method, amountMinor],
    // Only when the till names promotions, so that the fingerprints of earlier uploads stay as they were.
    ...(promotionIds ? [promotionIds, lines.map((line) => line.discountMinor)] : []),
  ]);
  return {
    storeId,
    localId: input.localId,
    deviceId: input.deviceId,
    sequence: input.sequence,
    occurredAt: input.occurredAt,
    customerId,
    currency: input.currency,
    lines,
    promotionIds,
    payment: { method: input.payment.method, amountMinor },
    key: posOrderKey(storeId, input.deviceId, input.localId),
    fingerprint: createHash('sha256').update(canonical).digest('hex'),
  };
}

function safeMinor(value: bigint): number | null {
  return value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : null;
}

/**
 * The COMPLETED carry-out order of an accepted till sale, with the events its insert carries; a
 * PosRejection for an unknown SKU or a payment that is not the computed total. Prices are the
 * till's; tax is the order domain's rule per line; unit costs come from the catalog (0 when none).
 * Events, all at the sale's instant and under `correlationId`:
 * - order.order-status-changed null -> PLACED;
 * - order.order-placed with status COMPLETED (inventory reserves nothing: the goods already left);
 * - order.payment-captured for the total, with subtotal, tax and customerId (the ledger posts the sale);
 * - order.order-status-changed PLACED -> COMPLETED carrying `fulfillment` (type CARRY_OUT): inventory
 *   records the SALE movements and the ledger posts cost of goods.
 */
export function posOrderOf(
  sale: PosSale,
  catalog: ReadonlyMap<string, CatalogVariant>,
  correlationId: string,
  pricing?: CartPricing,
): { order: OrderRecord; events: AnyEnvelope[] } | PosRejection {
  const lines: OrderLineRecord[] = [];
  for (const [index, line] of sale.lines.entries()) {
    const variant = catalog.get(line.sku);
    if (!variant) return new PosRejection('UNKNOWN_SKU', `There is no SKU ${line.sku}`);
    const net = line.unitPriceMinor * line.quantity - line.discountMinor;
    const tax = taxOf(net, sale.currency);
    // Checked against the rules (tillPricingProblem), the line's discount is split by promotion as priceCart split it.
    const discounts = pricing?.lines[index]?.discounts ?? [];
    lines.push({
      lineNumber: index + 1,
      sku: line.sku,
      quantity: line.quantity,
      unitPriceMinor: line.unitPriceMinor,
      ...(line.discountMinor > 0 ? { discountMinor: line.discountMinor, discounts: discounts.map((discount) => ({ ...discount })) } : {}),
      taxMinor: tax,
      lineTotalMinor: net + tax,
      unitCostMinor: variant.unitCostMinor ?? 0,
    });
  }
  const subtotalMinor = lines.reduce((sum, line) => sum + line.unitPriceMinor * line.quantity - (line.discountMinor ?? 0), 0);
  const taxMinor = lines.reduce((sum, line) => sum + line.taxMinor, 0);
  const totalMinor = subtotalMinor + taxMinor;
  if (!Number.isSafeInteger(totalMinor)) return new PosRejection('INVALID_TRANSACTION', 'the total is too large');
  if (sale.payment.amountMinor !== totalMinor) {
    return new PosRejection(
      'PAYMENT_MISMATCH',
      `payment ${sale.payment.amountMinor} does not equal the total ${totalMinor} (subtotal ${subtotalMinor} + tax ${taxMinor}) in ${sale.currency} minor units`,
    );
  }
  const id = `ord_${randomUUID()}`;
  const at = sale.occurredAt;
  const order: OrderRecord = {
    _id: id,
    number: `P-${id.slice(4, 12).toUpperCase()}${id.slice(-4).toUpperCase()}`,
    idempotencyKey: sale.key,
    requestHash: sale.fingerprint,
    correlationId,
    channel: 'POS',
    status: 'COMPLETED',
    ...(sale.customerId ? { customerId: sale.customerId } : {}),
    currency: sale.currency,
    fulfillment: { type: 'CARRY_OUT', locationId: sale.storeId },
    lines,
    totals: { subtotalMinor, taxMinor, totalMinor },
    payment: { authorizedMinor: totalMinor, capturedMinor: totalMinor, refundedMinor: 0, capturedAt: at },
    placedAt: at,
    ...(pricing?.promotions.length ? { promotions: pricing.promotions.map((promotion) => ({ ...promotion })) } : {}),
    statusHistory: [
      { status: 'PLACED', at, reason: `till ${sale.deviceId} #${sale.sequence} (${sale.localId}), paid by ${sale.payment.method}` },
      { status: 'COMPLETED', at },
    ],
  };
  const lineage = { correlationId };
  // No coupon was redeemed here: the product domain has nothing to confirm (and skips the event).
  const placed = orderPlaced(order, 'COMPLETED', []);
  const captured = orderEnvelope('order.payment-captured', paymentCaptured(order, totalMinor), id, 'captured', lineage, at);
  const events = [
    statusChanged(order, null, 'PLACED', lineage, at),
    orderEnvelope('order.order-placed', placed, id, 'placed', lineage, at),
    captured,
    statusChanged(order, 'PLACED', 'COMPLETED', lineage, at, { fulfillment: fulfilledGoods(order) }),
  ];
  return { order, events: events.map((event) => storedEnvelope(event)) };
}
