import { storedEnvelope } from '@mesh/events';
import type { OrderModels } from '../models/index.js';
import type { OrderRecord } from '../models/order.model.js';
import { updateOrderUnlessMoved } from '../events/guarded-order-update.js';
import { statusChanged } from '../events/order-envelopes.js';
import { AWAITING_STOCK } from '../lifecycle/order-lifecycle.js';
import type { OrderRuntime } from '../runtime.js';
import { resultOf, type PlaceOrderResult } from './placement-results.js';

/**
 * Waits until the order is decided or `deadline` passes, reading it at most once at the start
 * (not when the caller already holds it as `known`) and once per wake-up that does not bring the
 * decided order along: waiting callers cost no database work. On time-out a PLACED order is
 * marked PENDING (guarded) and answered with it.
 */
export async function awaitDecision(
  models: OrderModels,
  runtime: OrderRuntime,
  orderId: string,
  deadline: number,
  known?: OrderRecord,
): Promise<PlaceOrderResult> {
  let order = known;
  for (;;) {
    // Registered before the read, so a decision recorded in between still wakes this caller.
    const waiter = runtime.decisions.wait(orderId, deadline - Date.now());
    order ??= await readOrder(models, orderId);
    if (!AWAITING_STOCK.includes(order.status) || Date.now() >= deadline) {
      waiter.cancel();
      if (!AWAITING_STOCK.includes(order.status)) runtime.intake.decided(orderId);
      if (order.status === 'PLACED') return resultOf(await markPending(models, order));
      return resultOf(order);
    }
    const wakeUp = await waiter.woken;
    if (wakeUp.kind === 'decided' && wakeUp.order) {
      order = wakeUp.order;
      continue;
    }
    order = await readOrder(models, orderId);
    // Told "decided" but it is not (yet) as read: wait for the next signal instead of the memory of this one.
    if (wakeUp.kind === 'decided' && AWAITING_STOCK.includes(order.status)) runtime.decisions.forget(orderId);
  }
}

async function readOrder(models: OrderModels, orderId: string): Promise<OrderRecord> {
  const order = await models.orders.findById(orderId).lean<OrderRecord>();
  if (!order) throw new Error(`order ${orderId} disappeared`);
  return order;
}

async function markPending(models: OrderModels, order: OrderRecord): Promise<OrderRecord> {
  const at = new Date();
  const event = statusChanged(order, 'PLACED', 'PENDING', { correlationId: order.correlationId }, at, { reason: 'inventory has not answered yet' });
  // When inventory decided in the meantime, the order as it now is answers.
  const current = await updateOrderUnlessMoved(
    models,
    order._id,
    { status: 'PLACED' },
    {
      $set: { status: 'PENDING' },
      $push: { statusHistory: { status: 'PENDING', at, reason: 'inventory has not answered yet' }, pendingEvents: storedEnvelope(event) },
    },
  );
  if (!current) throw new Error(`order ${order._id} disappeared`);
  return current;
}
