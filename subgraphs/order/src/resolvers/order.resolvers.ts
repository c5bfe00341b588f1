import { money } from '@mesh/server-kit';
import type { OrderResolvers } from '../__generated__/resolvers-types.js';
import { returnView } from '../returns/return-outcomes.js';
import { returnableOf } from '../returns/return-rules.js';

export const Order: OrderResolvers = {
  __resolveReference: (reference, { orders }) => orders.read({ id: reference.id }),
  id: (order) => order._id,
  customer: (order) => (order.customerId ? { id: order.customerId } : null),
  lines: (order) =>
    order.lines.map((line) => ({
      lineNumber: line.lineNumber,
      variant: { sku: line.sku },
      quantity: line.quantity,
      unitPrice: money(line.unitPriceMinor, order.currency),
      discount: money(line.discountMinor ?? 0, order.currency),
      tax: money(line.taxMinor, order.currency),
      lineTotal: money(line.lineTotalMinor, order.currency),
      returnedQuantity: line.returnedQuantity ?? 0,
      returnableQuantity: returnableOf(line),
    })),
  totals: ({ totals, lines, currency }) => ({
    subtotal: money(totals.subtotalMinor, currency),
    discount: money(
      lines.reduce((sum, line) => sum + (line.discountMinor ?? 0), 0),
      currency,
    ),
    tax: money(totals.taxMinor, currency),
    total: money(totals.totalMinor, currency),
  }),
  payment: ({ payment, currency }) => ({
    authorized: money(payment.authorizedMinor, currency),
    captured: money(payment.capturedMinor, currency),
    refunded: money(payment.refundedMinor, currency),
  }),
  fulfillment: ({ fulfillment }) => ({
    type: fulfillment.type,
    location: { id: fulfillment.locationId },
    tracking: fulfillment.tracking ?? null,
    deliveredAt: fulfillment.deliveredAt ?? null,
  }),
  promotions: (order) =>
    (order.promotions ?? []).map((promotion) => ({
      ...promotion,
      couponCode: promotion.couponCode ?? null,
      amount: money(promotion.amountMinor, order.currency),
    })),
  returns: (order) => (order.returns ?? []).map((record) => returnView(order, record)),
  statusHistory: (order) => order.statusHistory.map((change) => ({ status: change.status, at: change.at, reason: change.reason ?? null })),
};
