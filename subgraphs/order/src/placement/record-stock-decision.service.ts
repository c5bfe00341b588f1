import { storedEnvelope } from '@mesh/events';
import type { EnvelopeOf } from '@mesh/events';
import type { OrderModels } from '../models/index.js';
import type { OrderRecord } from '../models/order.model.js';
import { eventMoney, orderEnvelope, statusChanged } from '../events/order-envelopes.js';
import { AWAITING_STOCK } from '../lifecycle/order-lifecycle.js';

/**
 * Inventory's answer to an order: reserved -> CONFIRMED with the total authorised
 * (order-status-changed, order-confirmed, payment-authorized), rejected -> REJECTED with the
 * shortages (order-status-changed, order-rejected). One guarded update on PLACED/PENDING, events in
 * the same write; an order already decided (a redelivery, or cancelled meanwhile) is left alone.
 * Returns the decided order when this call decided it, null when it changed nothing. `placed`:
 * the order as this process stored it PLACED, if it still holds it; then nothing is read first
 * (the events use only fields fixed at placement, and the update is guarded on PLACED).
 */
export async function recordStockDecision(
  models: OrderModels,
  envelope: EnvelopeOf<'inventory.stock-reserved'> | EnvelopeOf<'inventory.stock-reservation-rejected'>,
  placed?: OrderRecord,
): Promise<OrderRecord | null> {
  const order = placed ?? (await models.orders.findById(envelope.data.orderId).lean<OrderRecord>());
  if (!order || !AWAITING_STOCK.includes(order.status)) return null;
  const at = new Date();
  const lineage = { causedBy: envelope };
  if (envelope.type === 'inventory.stock-reserved') {
    const events = [
      statusChanged(order, order.status, 'CONFIRMED', lineage, at),
      orderEnvelope('order.order-confirmed', { orderId: order._id, reservationId: envelope.data.reservationId }, order._id, 'confirmed', lineage, at),
      orderEnvelope(
        'order.payment-authorized',
        {
          orderId: order._id,
          channel: order.channel,
          locationId: order.fulfillment.locationId,
          paymentId: `pay_${order._id}`,
          amount: eventMoney(order.totals.totalMinor, order),
        },
        order._id,
        'payment-authorized',
        lineage,
        at,
      ),
    ];
    const updated = await models.orders
      .findOneAndUpdate(
        { _id: order._id, status: order.status },
        {
          $set: { status: 'CONFIRMED', reservationId: envelope.data.reservationId, 'payment.authorizedMinor': order.totals.totalMinor },
          $push: { statusHistory: { status: 'CONFIRMED', at }, pendingEvents: { $each: events.map(storedEnvelope) } },
        },
        { returnDocument: 'after' },
      )
      .lean<OrderRecord>();
    return updated ?? retry(models, envelope, order);
  }
  const shortages = envelope.data.shortages.map(({ sku, quantity, available }) => ({ sku, quantity, available }));
  const reason = 'INSUFFICIENT_STOCK' as const;
  const events = [
    statusChanged(order, order.status, 'REJECTED', lineage, at, { reason }),
    orderEnvelope('order.order-rejected', { orderId: order._id, reason, shortages, couponCodes: order.couponCodes ?? [] }, order._id, 'rejected', lineage, at),
  ];
  const updated = await models.orders
    .findOneAndUpdate(
      { _id: order._id, status: order.status },
      {
        $set: { status: 'REJECTED', rejection: { reason, shortages } },
        $push: { statusHistory: { status: 'REJECTED', at, reason }, pendingEvents: { $each: events.map(storedEnvelope) } },
      },
      { returnDocument: 'after' },
    )
    .lean<OrderRecord>();
  return updated ?? retry(models, envelope, order);
}

/** The status moved under us (PLACED -> PENDING by the waiting request): decide again from the new status. */
async function retry(models: OrderModels, envelope: Parameters<typeof recordStockDecision>[1], seen: OrderRecord): Promise<OrderRecord | null> {
  const current = await models.orders.findById(seen._id, { status: 1 }).lean<Pick<OrderRecord, 'status'>>();
  if (!current || current.status === seen.status) return null;
  return recordStockDecision(models, envelope);
}
