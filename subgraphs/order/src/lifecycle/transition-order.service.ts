import { announceEvents, storedEnvelope } from '@mesh/events';
import type { EnvelopeOf, ShipmentTracking, Topic } from '@mesh/events';
import { badUserInput, can, forbidden, identifier, notFound, type Principal } from '@mesh/server-kit';
import type { OrderCancellationReason, OrderStatus } from '../__generated__/schema-types.js';
import { illegalTransition } from '../errors.js';
import type { OrderLoaders } from '../loaders.js';
import type { OrderModels } from '../models/index.js';
import type { OrderRecord } from '../models/order.model.js';
import { fulfilledGoods, orderEnvelope, paymentCaptured, statusChanged } from '../events/order-envelopes.js';
import { ORDER_TRANSITIONS, type OrderCommand } from './order-lifecycle.js';
import { assertMayReadOrdersOf, requireSignedIn } from '../access.js';

export interface TransitionCaller {
  readonly principal: Principal;
  readonly correlationId: string;
  readonly loaders: OrderLoaders;
}

export interface TransitionRequest {
  readonly orderId: string;
  readonly idempotencyKey: string;
  /** For cancel: a caller's reason, or PICKUP_EXPIRED when the reservation expired (cancel-expired-order.service.ts). */
  readonly reason?: OrderCancellationReason | 'PICKUP_EXPIRED';
  /** For ship: the carrier and tracking number, kept on the order and told on the SHIPPED status change. */
  readonly tracking?: ShipmentTracking;
}

/** A carrier and tracking number, each 1 to 128 characters. */
export function checkedTracking(tracking: ShipmentTracking): ShipmentTracking {
  if (tracking.carrier.length < 1 || tracking.carrier.length > 128)
    throw badUserInput('tracking.carrier must be 1 to 128 characters', { argument: 'tracking.carrier' });
  if (tracking.trackingNumber.length < 1 || tracking.trackingNumber.length > 128)
    throw badUserInput('tracking.trackingNumber must be 1 to 128 characters', { argument: 'tracking.trackingNumber' });
  return { carrier: tracking.carrier, trackingNumber: tracking.trackingNumber };
}

/** Fulfilment commands are store work (associates, admins); a customer may only cancel their own order. */
async function assertMayRun(caller: TransitionCaller, command: OrderCommand, order: OrderRecord): Promise<void> {
  requireSignedIn(caller.principal);
  if (can(caller.principal, 'orders:fulfil')) return;
  if (command === 'cancel') {
    await assertMayReadOrdersOf(caller.principal, order.customerId, caller.loaders);
    return;
  }
  throw forbidden('Only store staff may fulfil orders');
}

/**
 * Runs one lifecycle command (see order-lifecycle.ts) as one guarded single-document update on the
 * current status, with its status history and events recorded in the same write:
 * - every transition: order.order-status-changed (with `fulfillment` where goods leave stock);
 * - to SHIPPED / PICKED_UP: order.payment-captured for the total, then -> COMPLETED;
 * - to CANCELLED: order.order-cancelled (inventory releases the reservation).
 * A repeated idempotency key returns the order as it is (the first result); ILLEGAL_TRANSITION
 * (with from/to) when the current status does not allow it. Writes nothing on refusal.
 */
export async function transitionOrder(models: OrderModels, caller: TransitionCaller, command: OrderCommand, request: TransitionRequest): Promise<OrderRecord> {
  const orderId = identifier(request.orderId, 'orderId');
  if (request.idempotencyKey.length < 1 || request.idempotencyKey.length > 128)
    throw badUserInput('idempotencyKey must be 1 to 128 characters', { argument: 'idempotencyKey' });
  const rule = ORDER_TRANSITIONS[command];
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const order = await models.orders.findById(orderId).lean<OrderRecord>();
    if (!order) throw notFound(`There is no order ${orderId}`);
    await assertMayRun(caller, command, order);
    if (order.appliedCommands?.some((applied) => applied.key === request.idempotencyKey)) return order;
    if (!rule.from.includes(order.status)) throw illegalTransition(order._id, order.status, rule.to);
    if (rule.types && !rule.types.includes(order.fulfillment.type)) {
      throw illegalTransition(order._id, order.status, rule.to, `a ${order.fulfillment.type} order is not fulfilled this way`);
    }
    const at = new Date();
    // The order's workflow keeps one correlation id from placement to completion, so a trace of it
    // shows the capture and its postings too; the command's own request id is logged by the server.
    const lineage = { correlationId: order.correlationId };
    const events: EnvelopeOf<Topic>[] = [];
    const history: { status: OrderStatus; at: Date; reason?: string }[] = [];
    const set: Record<string, unknown> = {};
    let final: OrderStatus = rule.to;
    if (rule.fulfils) {
      const tracking = command === 'ship' && request.tracking ? checkedTracking(request.tracking) : undefined;
      if (tracking) set['fulfillment.tracking'] = tracking;
      events.push(statusChanged(order, order.status, rule.to, lineage, at, { fulfillment: fulfilledGoods(order), ...(tracking ? { tracking } : {}) }));
      const capture = order.totals.totalMinor - order.payment.capturedMinor;
      events.push(orderEnvelope('order.payment-captured', paymentCaptured(order, capture), order._id, 'captured', lineage, at));
      events.push(statusChanged(order, rule.to, 'COMPLETED', lineage, at));
      history.push({ status: rule.to, at }, { status: 'COMPLETED', at });
      set['payment.capturedMinor'] = order.totals.totalMinor;
      set['payment.capturedAt'] = at;
      set['payment.authorizedMinor'] = Math.max(order.payment.authorizedMinor, order.totals.totalMinor);
      final = 'COMPLETED';
    } else if (command === 'cancel') {
      const reason = request.reason ?? 'CUSTOMER_REQUEST';
      events.push(statusChanged(order, order.status, 'CANCELLED', lineage, at, { reason }));
      events.push(
        orderEnvelope('order.order-cancelled', { orderId: order._id, reason, couponCodes: order.couponCodes ?? [] }, order._id, 'cancelled', lineage, at),
      );
      history.push({ status: 'CANCELLED', at, reason });
    } else {
      events.push(statusChanged(order, order.status, rule.to, lineage, at));
      history.push({ status: rule.to, at });
    }
    set['status'] = final;
    const updated = await models.orders
      .findOneAndUpdate(
        { _id: order._id, status: order.status, 'appliedCommands.key': { $ne: request.idempotencyKey } },
        {
          $set: set,
          $push: {
            statusHistory: { $each: history },
            appliedCommands: { key: request.idempotencyKey, status: final },
            pendingEvents: { $each: events.map(storedEnvelope) },
          },
        },
        { returnDocument: 'after' },
      )
      .lean<OrderRecord>();
    if (updated) {
      announceEvents(models.orders);
      return updated;
    }
    // Someone moved the order (or ran this key) meanwhile: decide again from what is stored now.
  }
  throw new Error(`order ${orderId} kept changing under ${command}`);
}
