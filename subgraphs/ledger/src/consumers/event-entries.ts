import type { AnyEnvelope, CurrencyCode, EnvelopeOf, Money } from '@mesh/events';
import type { PostJournalEntryInput } from '../services/post-journal-entry.service.js';

/**
 * Thrown for an event the ledger can never post as it is (missing or inconsistent amounts, a
 * currency mix, a transition without the goods that left stock). The bus retries it and then
 * dead-letters it; nothing of it is posted.
 */
export class UnpostableEventError extends Error {
  override readonly name = 'UnpostableEventError';
  constructor(envelope: AnyEnvelope, problem: string) {
    super(`${envelope.type} ${envelope.id}: ${problem}`);
  }
}

type Line = PostJournalEntryInput['lines'][number];
export const debit = (accountCode: string, minor: bigint): Line => ({ accountCode, debitMinor: minor, creditMinor: 0n });
export const credit = (accountCode: string, minor: bigint): Line => ({ accountCode, debitMinor: 0n, creditMinor: minor });
/** Zero-amount lines are not allowed in an entry: a capture without tax has no tax line. */
const nonZero = (lines: readonly Line[]): Line[] => lines.filter((line) => line.debitMinor !== 0n || line.creditMinor !== 0n);

/** The account codes postings from events use (the chart must hold them, or the event is dead-lettered). */
export const ACCOUNTS = {
  clearing: '1100',
  inventory: '1300',
  goodsReceivedNotInvoiced: '2050',
  taxPayable: '2100',
  revenue: '4000',
  returns: '4100',
  /** The prefix of the per-promotion contra-revenue accounts: 4200-<promotionId> (discountAccount). */
  discounts: '4200',
  costOfGoods: '5000',
  shrinkage: '5100',
} as const;

/** Statuses at which goods leave stock; only these may carry `fulfillment`. */
const FULFILMENT_STATUSES: ReadonlySet<string> = new Set(['SHIPPED', 'PICKED_UP', 'COMPLETED']);

/** Checked integer minor units of a money value in the expected currency. */
export function minorOf(envelope: AnyEnvelope, value: Money | undefined, field: string, currency?: CurrencyCode): bigint {
  if (!value || typeof value !== 'object') throw new UnpostableEventError(envelope, `${field} is missing`);
  if (!Number.isSafeInteger(value.minorUnits) || value.minorUnits < 0)
    throw new UnpostableEventError(envelope, `${field}.minorUnits must be a non-negative integer`);
  if (value.currency !== 'USD' && value.currency !== 'EUR')
    throw new UnpostableEventError(envelope, `${field}.currency ${String(value.currency)} is not traded`);
  if (currency && value.currency !== currency) throw new UnpostableEventError(envelope, `${field} is in ${value.currency}, not ${currency}`);
  return BigInt(value.minorUnits);
}

export function unitCost(envelope: AnyEnvelope, value: unknown, field: string): bigint {
  if (!Number.isSafeInteger(value) || (value as number) < 0)
    throw new UnpostableEventError(envelope, `${field} must be a non-negative integer (the unit cost in minor units)`);
  return BigInt(value as number);
}

function quantity(envelope: AnyEnvelope, value: unknown, field: string): bigint {
  if (!Number.isSafeInteger(value) || (value as number) < 1) throw new UnpostableEventError(envelope, `${field} must be a positive integer`);
  return BigInt(value as number);
}

/** Where an entry comes from: the event's correlation id, posted when the event occurred. */
export function common(envelope: AnyEnvelope) {
  return { correlationId: envelope.correlationId, postedAt: new Date(envelope.occurredAt) };
}

/** The contra-revenue account of one promotion's discounts, so that finance sees what each promotion cost. */
export const discountAccount = (promotionId: string) => `${ACCOUNTS.discounts}-${promotionId}`;

/**
 * Payment captured: Dr 1100 clearing (amount), Dr 4200-<promotion> for each promotion's discount,
 * Cr 4000 revenue gross (subtotal + discounts), Cr 2100 tax. Balanced by construction: amount =
 * subtotal + tax. One entry per idempotency key; null when nothing was taken or discounted.
 */
export function captureEntry(envelope: EnvelopeOf<'order.payment-captured'>): PostJournalEntryInput | null {
  const data = envelope.data;
  const amount = minorOf(envelope, data.amount, 'amount');
  const currency = data.amount.currency;
  const subtotal = minorOf(envelope, data.subtotal, 'subtotal', currency);
  const tax = minorOf(envelope, data.tax, 'tax', currency);
  const discounts = (data.discounts ?? []).map((discount, index) => ({
    account: discountAccount(discount.promotionId),
    minor: minorOf(envelope, discount.amount, `discounts[${index}].amount`, currency),
  }));
  const discountTotal = discounts.reduce((sum, discount) => sum + discount.minor, 0n);
  if (subtotal + tax !== amount) throw new UnpostableEventError(envelope, `subtotal (${subtotal}) + tax (${tax}) differs from amount (${amount})`);
  // Nothing was taken and nothing discounted (a till sale of free goods): nothing to post.
  if (amount === 0n && discountTotal === 0n) return null;
  return {
    ...common(envelope),
    source: { type: 'ORDER_CAPTURED', id: envelope.idempotencyKey },
    memo: `Payment captured for order ${data.orderId}`,
    currency,
    lines: nonZero([
      debit(ACCOUNTS.clearing, amount),
      ...discounts.map((discount) => debit(discount.account, discount.minor)),
      credit(ACCOUNTS.revenue, subtotal + discountTotal),
      credit(ACCOUNTS.taxPayable, tax),
    ]),
    orderId: data.orderId,
    ...(data.customerId ? { customerId: data.customerId } : {}),
    channel: data.channel,
    locationId: data.locationId,
  };
}

/**
 * Goods left stock: Dr 5000 cost of goods, Cr 1300 inventory, at the unit costs the event carries.
 * Source ORDER_FULFILLED with the order id, so an order posts its cost of goods once however many
 * fulfilment transitions carry goods. Null when there is nothing to post (another transition, zero cost).
 */
export function fulfilmentEntry(envelope: EnvelopeOf<'order.order-status-changed'>): PostJournalEntryInput | null {
  const { orderId, to, fulfillment } = envelope.data;
  if (!fulfillment) {
    if (to === 'SHIPPED' || to === 'PICKED_UP')
      throw new UnpostableEventError(envelope, `the transition to ${to} carries no fulfillment (lines with unitCostMinor): cost of goods cannot be posted`);
    return null;
  }
  if (!FULFILMENT_STATUSES.has(to))
    throw new UnpostableEventError(envelope, `fulfillment on a transition to ${to}; goods leave stock only at SHIPPED, PICKED_UP or COMPLETED`);
  if (fulfillment.currency !== 'USD' && fulfillment.currency !== 'EUR')
    throw new UnpostableEventError(envelope, `fulfillment.currency ${String(fulfillment.currency)} is not traded`);
  if (!Array.isArray(fulfillment.lines) || fulfillment.lines.length === 0) throw new UnpostableEventError(envelope, 'fulfillment has no lines');
  const cost = fulfillment.lines.reduce(
    (sum, line, index) =>
      sum +
      quantity(envelope, line.quantity, `fulfillment.lines[${index}].quantity`) *
        unitCost(envelope, line.unitCostMinor, `fulfillment.lines[${index}].unitCostMinor`),
    0n,
  );
  if (cost === 0n) return null;
  return {
    ...common(envelope),
    source: { type: 'ORDER_FULFILLED', id: orderId },
    memo: `Cost of goods for order ${orderId} (${to.toLowerCase().replace('_', ' ')})`,
    currency: fulfillment.currency,
    lines: [debit(ACCOUNTS.costOfGoods, cost), credit(ACCOUNTS.inventory, cost)],
    orderId,
    customerId: fulfillment.customerId,
    channel: fulfillment.channel,
    locationId: fulfillment.locationId,
  };
}

/** Refund paid: Dr 4100 returns (amount - tax), Dr 2100 tax, Cr 1100 clearing (amount). One entry per refund id. */
export function refundEntry(envelope: EnvelopeOf<'order.payment-refunded'>): PostJournalEntryInput {
  const data = envelope.data;
  const amount = minorOf(envelope, data.amount, 'amount');
  const currency = data.amount.currency;
  const tax = minorOf(envelope, data.tax, 'tax', currency);
  if (amount === 0n) throw new UnpostableEventError(envelope, 'amount must be above zero');
  if (tax > amount) throw new UnpostableEventError(envelope, `tax (${tax}) exceeds amount (${amount})`);
  return {
    ...common(envelope),
    source: { type: 'REFUND', id: data.refundId },
    memo: `Refund ${data.refundId} for order ${data.orderId}`,
    currency,
    lines: nonZero([debit(ACCOUNTS.returns, amount - tax), debit(ACCOUNTS.taxPayable, tax), credit(ACCOUNTS.clearing, amount)]),
    orderId: data.orderId,
    ...(data.customerId ? { customerId: data.customerId } : {}),
    channel: data.channel,
    locationId: data.locationId,
  };
}

/**
 * Returned goods received: cost of goods reversed, Dr 1300 inventory for SELLABLE lines and Dr 5100
 * shrinkage for DAMAGED ones, Cr 5000 for both. One entry per return id; null at zero cost.
 */
export function returnEntry(envelope: EnvelopeOf<'order.return-received'>): PostJournalEntryInput | null {
  const data = envelope.data;
  if (!Array.isArray(data.lines) || data.lines.length === 0) throw new UnpostableEventError(envelope, 'the return has no lines');
  const currency = data.lines[0]?.refund?.currency;
  let sellable = 0n;
  let damaged = 0n;
  data.lines.forEach((line, index) => {
    minorOf(envelope, line.refund, `lines[${index}].refund`, currency);
    const cost = quantity(envelope, line.quantity, `lines[${index}].quantity`) * unitCost(envelope, line.unitCostMinor, `lines[${index}].unitCostMinor`);
    if (line.disposition === 'SELLABLE') sellable += cost;
    else if (line.disposition === 'DAMAGED') damaged += cost;
    else throw new UnpostableEventError(envelope, `lines[${index}].disposition ${String(line.disposition)} is unknown`);
  });
  if (sellable + damaged === 0n || !currency) return null;
  return {
    ...common(envelope),
    source: { type: 'RETURN_RECEIVED', id: data.returnId },
    memo: `Return ${data.returnId} of order ${data.orderId} received`,
    currency,
    lines: nonZero([debit(ACCOUNTS.inventory, sellable), debit(ACCOUNTS.shrinkage, damaged), credit(ACCOUNTS.costOfGoods, sellable + damaged)]),
    orderId: data.orderId,
    channel: data.channel,
    locationId: data.receivedAtLocationId,
  };
}
