import { can, forbidden, money, type MoneyValue, type Principal } from '@mesh/server-kit';
import type { OrderStatus } from '../__generated__/schema-types.js';
import type { OrderLoaders } from '../loaders.js';
import type { OrderLineRecord, OrderRecord } from '../models/order.model.js';
import { assertMayReadOrdersOf, requireSignedIn } from '../access.js';

/**
 * The return and refund rules of the order domain, free of I/O: who may, which orders, how many
 * units, and what a refund is worth.
 */

/** Statuses from which goods may be returned. */
export const RETURNABLE_STATUSES: readonly OrderStatus[] = ['COMPLETED', 'PARTIALLY_RETURNED'];
/** Statuses at which money was captured and may be refunded without goods. */
export const REFUNDABLE_STATUSES: readonly OrderStatus[] = ['SHIPPED', 'PICKED_UP', 'COMPLETED', 'PARTIALLY_RETURNED'];

const DAY_MS = 24 * 3600_000;

/** Store staff (returns:process) may return any order; a customer only their own. */
export async function assertMayReturn(principal: Principal, order: OrderRecord, loaders: OrderLoaders): Promise<void> {
  requireSignedIn(principal);
  if (can(principal, 'returns:process')) return;
  if (principal.role === 'customer') return assertMayReadOrdersOf(principal, order.customerId, loaders);
  throw forbidden('Only the customer or store staff may return an order');
}

/** Receiving goods and paying refunds is store work (returns:process). */
export function assertMayProcessReturns(principal: Principal): void {
  requireSignedIn(principal);
  if (!can(principal, 'returns:process')) throw forbidden('Only store staff may receive returns and pay refunds');
}

/** When the return window of an order closes: `days` after it first became COMPLETED; null if it never did. */
export function returnWindowEnd(order: Pick<OrderRecord, 'statusHistory'>, days: number): Date | null {
  const completed = order.statusHistory.find((change) => change.status === 'COMPLETED');
  return completed ? new Date(new Date(completed.at).getTime() + days * DAY_MS) : null;
}

/** Units of a line that may still be returned: bought minus those returned or in open returns. */
export const returnableOf = (line: OrderLineRecord): number => line.quantity - (line.claimedQuantity ?? 0);

/** The tax share of the first `units` units of a line, rounded down (so all of them share exactly the line's tax). */
function taxShare(line: OrderLineRecord, units: number): bigint {
  return (BigInt(line.taxMinor) * BigInt(units)) / BigInt(line.quantity);
}

/**
 * The discounted amount of the first `units` units of a line, rounded down: the line's net
 * (unit price x quantity - discount, as the promotions allocated it at placing) shared by unit,
 * never the list price. Without a discount it is exactly unit price x units.
 */
function netShare(line: OrderLineRecord, units: number): bigint {
  const net = BigInt(line.unitPriceMinor) * BigInt(line.quantity) - BigInt(line.discountMinor ?? 0);
  return (net * BigInt(units)) / BigInt(line.quantity);
}

/**
 * What returning `units` more units of a line refunds, given `returnedBefore` already returned:
 * the net share plus the tax share of units returnedBefore+1 .. returnedBefore+units. The shares
 * telescope, so returning a whole line (in any number of returns) refunds exactly its lineTotal.
 */
export function lineRefund(line: OrderLineRecord, returnedBefore: number, units: number): { refundMinor: number; taxMinor: number } {
  const tax = taxShare(line, returnedBefore + units) - taxShare(line, returnedBefore);
  const refund = netShare(line, returnedBefore + units) - netShare(line, returnedBefore) + tax;
  return { refundMinor: Number(refund), taxMinor: Number(tax) };
}

/** The tax part of a refund without goods: the order's tax share of it, rounded down. */
export function goodwillTax(order: Pick<OrderRecord, 'totals'>, amountMinor: number): number {
  if (order.totals.totalMinor === 0) return 0;
  return Number((BigInt(amountMinor) * BigInt(order.totals.taxMinor)) / BigInt(order.totals.totalMinor));
}

/** What may still be refunded on the order. */
export const refundableOf = (order: Pick<OrderRecord, 'payment' | 'currency'>): MoneyValue =>
  money(Math.max(0, order.payment.capturedMinor - order.payment.refundedMinor), order.currency);

/**
 * The guard on one line's returned counter: exactly the value the refund was computed from
 * (absent on a line no return has touched), so the telescoping tax shares stay exact.
 */
export const returnedGuard = (line: OrderLineRecord): unknown => (line.returnedQuantity === undefined ? { $exists: false } : line.returnedQuantity);

/** A retry pause after losing a race on the order: random (jitter), doubling with the attempt up to 100 ms. */
export function backoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(100, 2 ** Math.min(attempt + 1, 7))));
}
