import { can, dayRange, forbidden, money, parseCalendarDay, type CurrencyCode, type Principal } from '@mesh/server-kit';
import type { OrderModels } from '../models/index.js';
import type { OrderRecord } from '../models/order.model.js';
import type { OrderDayPaymentsView } from './order-day-payments.js';

const PROJECTION = { channel: 1, fulfillment: 1, currency: 1, payment: 1, refunds: 1 } as const;

/**
 * Every order with a capture or a refund on one UTC day (date: YYYY-MM-DD), from the orders
 * themselves: the order domain's side of the ledger's reconciliation, independent of whether any
 * event reached the ledger. Two index range reads (captures, refunds). Needs orders:read-any;
 * BAD_USER_INPUT for a date that is not a calendar day.
 */
export async function readPaymentsOfDay(
  models: OrderModels,
  principal: Principal,
  args: { date: string; currency?: CurrencyCode | null },
): Promise<OrderDayPaymentsView[]> {
  if (!can(principal, 'orders:read-any')) throw forbidden('Only finance and operations may read the payments of a day');
  const { start, end } = dayRange(parseCalendarDay(args.date));
  const range = { $gte: start, $lt: end };
  const inCurrency = args.currency ? { currency: args.currency } : {};
  const [captured, refunded] = await Promise.all([
    models.orders.find({ 'payment.capturedAt': range, ...inCurrency }, PROJECTION).lean<OrderRecord[]>(),
    models.orders.find({ 'refunds.at': range, ...inCurrency }, PROJECTION).lean<OrderRecord[]>(),
  ]);
  const byId = new Map<string, OrderRecord>();
  for (const order of [...captured, ...refunded]) byId.set(order._id, order);
  const inDay = (at: Date | undefined) => at !== undefined && at >= range.$gte && at < range.$lt;
  return [...byId.values()]
    .sort((a, b) => a._id.localeCompare(b._id))
    .map((order) => ({
      orderId: order._id,
      channel: order.channel,
      locationId: order.fulfillment.locationId,
      currency: order.currency,
      captured: money(inDay(order.payment.capturedAt) ? order.payment.capturedMinor : 0, order.currency),
      refunded: money(
        (order.refunds ?? []).filter((refund) => inDay(refund.at)).reduce((sum, refund) => sum + refund.amountMinor, 0),
        order.currency,
      ),
    }));
}
