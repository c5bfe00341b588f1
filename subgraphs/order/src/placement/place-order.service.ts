import { announceEvents, isDuplicateKey, storedEnvelope, writtenDocuments } from '@mesh/events';
import { idempotencyKeyReused, type Principal } from '@mesh/server-kit';
import type { PlaceOrderInput } from '../__generated__/schema-types.js';
import { orderEnvelope, orderPlaced, statusChanged } from '../events/order-envelopes.js';
import { AWAITING_STOCK } from '../lifecycle/order-lifecycle.js';
import type { OrderModels } from '../models/index.js';
import type { OrderRecord } from '../models/order.model.js';
import type { OrderRuntime } from '../runtime.js';
import { answerBudget, worthWaitingUntil } from './answer-budget.js';
import { awaitDecision } from './await-decision.js';
import { assertMayPlaceFor, requestHash, validatePlaceOrderInput } from './place-order-input.js';
import { resultOf, type PlaceOrderResult } from './placement-results.js';
import { priceOrder, redeemCoupons } from './price-order.js';

interface PlaceOrderCaller {
  readonly principal: Principal;
  readonly correlationId: string;
  /** When the client's request reached the mesh (RequestContext.receivedAt): the answer bound runs from there. */
  readonly receivedAt: number;
}

/**
 * Places an order (see Mutation.placeOrder): validates, prices from the catalog, inserts the order
 * PLACED with its `order.order-placed` event in the same write, then waits for inventory's
 * decision, which the stock-decision consumer writes into the order and signals (no polling).
 * The wait ends within `decisionWaitMs` of the request reaching the mesh, less what its way here
 * took (answer-budget.ts), or at once when the backlog will not be decided by then: an order not
 * decided by then is moved PLACED -> PENDING (guarded) and answered as such; it completes by
 * itself later. A call is admitted only while this replica's backlog allows (INTAKE_SATURATED,
 * retryable, otherwise).
 */
export async function placeOrder(models: OrderModels, runtime: OrderRuntime, caller: PlaceOrderCaller, rawInput: PlaceOrderInput): Promise<PlaceOrderResult> {
  const { deadline, queueWaitMs } = answerBudget(runtime.settings, caller.receivedAt);
  const input = validatePlaceOrderInput(rawInput);
  assertMayPlaceFor(caller.principal, input.customerId);
  const hash = requestHash(input);

  // Admission first, before any database work: past the backlog a caller waits in line for a
  // decision to free a place, at most ORDER_INTAKE_QUEUE_WAIT_MS and never past half of what is left
  // of its answer bound, or is refused (a resend of an accepted key too: retrying later is as safe as any refusal).
  const settle = await runtime.intake.admit(queueWaitMs);
  try {
    const existing = await models.orders.findOne({ idempotencyKey: input.idempotencyKey }).lean<OrderRecord>();
    if (existing) return await replay(models, runtime, existing, hash, input.idempotencyKey, deadline);
    return await placeNew(models, runtime, caller, input, hash, deadline, settle);
  } finally {
    settle(); // Refused or failed before the insert: it leaves the backlog (a no-op once accepted).
  }
}

async function placeNew(
  models: OrderModels,
  runtime: OrderRuntime,
  caller: PlaceOrderCaller,
  input: PlaceOrderInput,
  hash: string,
  deadline: number,
  accepted: (orderId: string) => void,
): Promise<PlaceOrderResult> {
  const order = await priceOrder(runtime, caller.correlationId, input, hash);
  await redeemCoupons(runtime, order);
  const lineage = { correlationId: caller.correlationId };
  const placed = orderPlaced(order, 'PLACED', order.couponCodes ?? []);
  const events = [
    statusChanged(order, null, 'PLACED', lineage, order.placedAt),
    orderEnvelope('order.order-placed', placed, order._id, 'placed', lineage, order.placedAt),
  ];
  let stored: OrderRecord;
  try {
    // Lean: the record is built above from validated input and catalog prices, so mongoose's
    // document construction and validation (about 1.5 ms of CPU per order) would only repeat it.
    stored = { ...order, pendingEvents: events.map((event) => storedEnvelope(event)) };
    await models.orders.insertMany([stored], { lean: true });
  } catch (error) {
    // No order was stored under this id: its coupon uses go back (the winner of a same-key race redeemed its own).
    if (order.couponCodes?.length) await runtime.catalog.releaseCoupons(order._id, order.couponCodes, caller.correlationId);
    if (!isDuplicateKey(error)) throw error;
    // A concurrent request with the same key won the insert: answer as it does.
    const winner = await models.orders.findOne({ idempotencyKey: input.idempotencyKey }).lean<OrderRecord>();
    if (!winner) throw error;
    return replay(models, runtime, winner, hash, input.idempotencyKey, deadline);
  }
  accepted(order._id);
  runtime.recentlyPlaced.set(order._id, order);
  announceEvents(models.orders, writtenDocuments(stored));
  // Just inserted PLACED: nothing to read before waiting (a decision that is quicker still wakes it).
  return awaitDecision(models, runtime, order._id, worthWaitingUntil(deadline, runtime.intake.expectedDecisionMs()), order);
}

async function replay(models: OrderModels, runtime: OrderRuntime, order: OrderRecord, hash: string, key: string, deadline: number): Promise<PlaceOrderResult> {
  if (order.requestHash !== hash) throw idempotencyKeyReused(key);
  return AWAITING_STOCK.includes(order.status) ? awaitDecision(models, runtime, order._id, deadline) : resultOf(order);
}
