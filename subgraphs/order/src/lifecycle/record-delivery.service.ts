import { storedEnvelope } from '@mesh/events';
import type { ShipmentTracking } from '@mesh/events';
import { badUserInput, can, forbidden, identifier, notFound, type Principal } from '@mesh/server-kit';
import type { OrderStatus } from '../__generated__/schema-types.js';
import { illegalTransition } from '../errors.js';
import type { OrderModels } from '../models/index.js';
import type { OrderRecord } from '../models/order.model.js';
import { updateOrderUnlessMoved } from '../events/guarded-order-update.js';
import { orderEnvelope } from '../events/order-envelopes.js';
import { requireSignedIn } from '../access.js';
import { checkedTracking } from './transition-order.service.js';

/** The statuses of a shipped order (returns may already have started). */
const SHIPPED_STATUSES: readonly OrderStatus[] = ['SHIPPED', 'COMPLETED', 'PARTIALLY_RETURNED', 'RETURNED'];

export interface RecordDeliveryRequest {
  readonly orderId: string;
  readonly tracking: ShipmentTracking;
  readonly deliveredAt: Date;
}

/**
 * Mutation.recordDelivery: a carrier or WMS reports a shipped order delivered. One guarded update
 * that sets `fulfillment.deliveredAt` (and the tracking, when shipOrder had none) only while it is
 * unset, with order.shipment-delivered in the same write; the status does not change (a delivered
 * order is COMPLETED since it shipped). Recording it again returns the order as it is, changing
 * nothing. ILLEGAL_TRANSITION for an order that was not shipped (a pickup, or not yet shipped).
 * Associates and admins.
 */
export async function recordDelivery(models: OrderModels, principal: Principal, request: RecordDeliveryRequest): Promise<OrderRecord> {
  requireSignedIn(principal);
  if (!can(principal, 'orders:fulfil')) throw forbidden('Only store staff and integrations may record deliveries');
  const orderId = identifier(request.orderId, 'orderId');
  const tracking = checkedTracking(request.tracking);
  if (Number.isNaN(request.deliveredAt.getTime())) throw badUserInput('deliveredAt is not a valid instant', { argument: 'deliveredAt' });
  const order = await models.orders.findById(orderId).lean<OrderRecord>();
  if (!order) throw notFound(`There is no order ${orderId}`);
  if (order.fulfillment.deliveredAt) return order;
  if (!SHIPPED_STATUSES.includes(order.status) || (order.fulfillment.type !== 'SHIP' && order.fulfillment.type !== 'SHIP_FROM_STORE')) {
    throw illegalTransition(order._id, order.status, order.status, 'only a shipped order can be delivered');
  }
  const event = orderEnvelope(
    'order.shipment-delivered',
    { orderId: order._id, tracking: order.fulfillment.tracking ?? tracking, deliveredAt: request.deliveredAt.toISOString() },
    order._id,
    'delivered',
    { correlationId: order.correlationId },
    request.deliveredAt,
  );
  const current = await updateOrderUnlessMoved(
    models,
    order._id,
    { 'fulfillment.deliveredAt': { $exists: false } },
    {
      $set: { 'fulfillment.deliveredAt': request.deliveredAt, ...(order.fulfillment.tracking ? {} : { 'fulfillment.tracking': tracking }) },
      $push: { pendingEvents: storedEnvelope(event) },
    },
  );
  if (!current) throw notFound(`There is no order ${orderId}`);
  return current;
}
