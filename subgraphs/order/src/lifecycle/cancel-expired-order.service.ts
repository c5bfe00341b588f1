import type { EnvelopeOf } from '@mesh/events';
import type { Principal } from '@mesh/server-kit';
import { createOrderLoaders } from '../loaders.js';
import type { OrderModels } from '../models/index.js';
import type { OrderRecord } from '../models/order.model.js';
import { ORDER_TRANSITIONS } from './order-lifecycle.js';
import { transitionOrder } from './transition-order.service.js';

/** The order domain acting on inventory's word, not on a person's request (audit logs show this subject). */
const RESERVATION_EXPIRY: Principal = Object.freeze({ role: 'admin', subject: 'system:reservation-expiry' });

/**
 * An uncollected pickup or a stale reservation has expired: inventory already released the stock
 * (`inventory.reservation-released`, reason EXPIRED), so the order can no longer be fulfilled and
 * is CANCELLED with reason PICKUP_EXPIRED through the normal lifecycle (status history and events).
 * An order that moved on meanwhile (fulfilled, already cancelled) is left as it is. Idempotent: the
 * command key is derived from the reservation, so a redelivery returns the first result.
 */
export async function cancelExpiredOrder(models: OrderModels, envelope: EnvelopeOf<'inventory.reservation-released'>): Promise<OrderRecord | null> {
  const { orderId, reservationId, reason } = envelope.data;
  if (reason !== 'EXPIRED') return null;
  const order = await models.orders.findById(orderId).lean<OrderRecord>();
  if (!order || !ORDER_TRANSITIONS.cancel.from.includes(order.status)) return null;
  const caller = { principal: RESERVATION_EXPIRY, correlationId: envelope.correlationId, loaders: createOrderLoaders(models) };
  try {
    return await transitionOrder(models, caller, 'cancel', { orderId, idempotencyKey: `expired:${reservationId}`, reason: 'PICKUP_EXPIRED' });
  } catch (error) {
    // Fulfilled or cancelled between the read and the write: nothing left to cancel.
    if ((error as { extensions?: { code?: string } }).extensions?.code === 'ILLEGAL_TRANSITION') return null;
    throw error;
  }
}
