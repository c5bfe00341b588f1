import {
  createEnvelope,
  type EnvelopeLineage,
  type EnvelopeOf,
  type FulfilledGoods,
  type OrderPlaced,
  type PaymentCaptured,
  type ShipmentTracking,
  type Topic,
  type TopicPayload,
} from '@mesh/events';
import type { OrderStatus } from '../__generated__/schema-types.js';
import type { OrderRecord } from '../models/order.model.js';

/** An order event; its idempotency key is derived from the order and the fact (`order:<id>:<fact>`). */
export function orderEnvelope<T extends Topic>(
  type: T,
  data: TopicPayload<T>,
  orderId: string,
  fact: string,
  lineage: EnvelopeLineage,
  at: Date,
): EnvelopeOf<T> {
  return createEnvelope(type, data, { ...lineage, idempotencyKey: `order:${orderId}:${fact}`, occurredAt: at });
}

/** `order.order-status-changed` for one transition, with what left stock when it fulfils. */
export function statusChanged(
  order: OrderRecord,
  from: OrderStatus | null,
  to: OrderStatus,
  lineage: EnvelopeLineage,
  at: Date,
  extra: { reason?: string; fulfillment?: FulfilledGoods; tracking?: ShipmentTracking } = {},
) {
  return orderEnvelope('order.order-status-changed', { orderId: order._id, from, to, ...extra }, order._id, `status:${to}`, lineage, at);
}

/** The goods that leave stock when the order is fulfilled, valued at the unit costs stored at placement. */
export function fulfilledGoods(order: OrderRecord): FulfilledGoods {
  return {
    type: order.fulfillment.type,
    channel: order.channel,
    locationId: order.fulfillment.locationId,
    ...(order.customerId ? { customerId: order.customerId } : {}),
    currency: order.currency,
    lines: order.lines.map((line) => ({ sku: line.sku, quantity: line.quantity, unitCostMinor: line.unitCostMinor ?? 0 })),
  };
}

/** Money of the order as an event carries it. */
export const eventMoney = (minor: number, order: Pick<OrderRecord, 'currency'>) => ({ minorUnits: minor, currency: order.currency });

/**
 * The `order.payment-captured` data for capturing `amountMinor` now: the revenue and tax parts are
 * the order's (the ledger books them once, with the capture that completes the order).
 */
export function paymentCaptured(order: OrderRecord, amountMinor: number): PaymentCaptured {
  return {
    orderId: order._id,
    channel: order.channel,
    locationId: order.fulfillment.locationId,
    paymentId: `pay_${order._id}`,
    ...(order.customerId ? { customerId: order.customerId } : {}),
    amount: eventMoney(amountMinor, order),
    subtotal: eventMoney(order.totals.subtotalMinor, order),
    tax: eventMoney(order.totals.taxMinor, order),
    ...(order.promotions?.length
      ? {
          discounts: order.promotions.map((promotion) => ({
            promotionId: promotion.promotionId,
            name: promotion.name,
            amount: eventMoney(promotion.amountMinor, order),
          })),
        }
      : {}),
    capturedTotal: eventMoney(order.totals.totalMinor, order),
  };
}

/**
 * The `order.order-placed` data of an order as recorded, whichever channel placed it: `status`
 * PLACED for orders inventory still reserves, COMPLETED for a till sale; `couponCodes` those the
 * order redeemed (none for orders a channel already priced).
 */
export function orderPlaced(order: OrderRecord, status: OrderPlaced['status'], couponCodes: readonly string[]): OrderPlaced {
  return {
    orderId: order._id,
    orderNumber: order.number,
    channel: order.channel,
    locationId: order.fulfillment.locationId,
    ...(order.customerId ? { customerId: order.customerId } : {}),
    fulfillment: order.fulfillment,
    lines: order.lines.map((line) => ({
      lineNumber: line.lineNumber,
      sku: line.sku,
      quantity: line.quantity,
      unitPrice: eventMoney(line.unitPriceMinor, order),
      ...(line.discountMinor ? { discount: eventMoney(line.discountMinor, order) } : {}),
      tax: eventMoney(line.taxMinor, order),
      lineTotal: eventMoney(line.lineTotalMinor, order),
    })),
    subtotal: eventMoney(order.totals.subtotalMinor, order),
    tax: eventMoney(order.totals.taxMinor, order),
    total: eventMoney(order.totals.totalMinor, order),
    status,
    couponCodes: [...couponCodes],
  };
}
