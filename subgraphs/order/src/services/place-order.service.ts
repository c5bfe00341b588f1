import { announceEvents, isDuplicateKey, storedEnvelope, writtenDocuments } from '@mesh/events';
import { createHash, randomUUID } from 'node:crypto';
import type { OrderPlaced } from '@mesh/events';
import { badUserInput, can, forbidden, idempotencyKeyReused, identifier, isSelf, positiveQuantity, type Principal } from '@mesh/server-kit';
import type { PlaceOrderInput } from '../__generated__/resolvers-types.js';
import { couponRefused } from '../errors.js';
import type { OrderModels } from '../models/index.js';
import type { OrderLineRecord, OrderRecord } from '../models/order.model.js';
import { eventMoney, orderEnvelope, statusChanged } from '../order-envelopes.js';
import { AWAITING_STOCK } from '../order-lifecycle.js';
import type { OrderRuntime } from '../order-runtime.js';
import { requireSignedIn } from './order-access.js';
import { taxOf } from '../tax-rules.js';

export const MAX_ORDER_LINES = 50;
export const MAX_LINE_QUANTITY = 1000;
export const MAX_ORDER_COUPONS = 5;

export interface OrderPlacedResult {
  readonly kind: 'placed';
  readonly order: OrderRecord;
}
export interface OrderRejectedResult {
  readonly kind: 'rejected';
  readonly order: OrderRecord;
  readonly reason: NonNullable<OrderRecord['rejection']>['reason'];
  readonly shortages: readonly { sku: string; requested: number; available: number }[];
}
export type PlaceOrderResult = OrderPlacedResult | OrderRejectedResult;

interface PlaceOrderCaller {
  readonly principal: Principal;
  readonly correlationId: string;
}

/** Who may place an order for `customerId`: the customer themself, or a role that may place for anyone (associates, admins). */
function assertMayPlaceFor(principal: Principal, customerId: string): void {
  requireSignedIn(principal);
  if (isSelf(principal, customerId)) return;
  if (can(principal, 'orders:place-any')) return;
  throw forbidden('You may only place orders for yourself');
}

/** Checks the input shape and bounds (writing nothing), returning it normalised. */
function validate(input: PlaceOrderInput): PlaceOrderInput {
  if (input.idempotencyKey.length < 1 || input.idempotencyKey.length > 128) throw badUserInput('idempotencyKey must be 1 to 128 characters', { argument: 'idempotencyKey' });
  identifier(input.customerId, 'customerId');
  identifier(input.fulfillment.locationId, 'fulfillment.locationId');
  if (input.lines.length < 1 || input.lines.length > MAX_ORDER_LINES) throw badUserInput(`lines must hold 1 to ${MAX_ORDER_LINES} lines`, { argument: 'lines' });
  const seen = new Set<string>();
  input.lines.forEach((line, index) => {
    identifier(line.sku, `lines[${index}].sku`);
    positiveQuantity(line.quantity, `lines[${index}].quantity`, MAX_LINE_QUANTITY);
    if (seen.has(line.sku)) throw badUserInput(`SKU ${line.sku} appears on more than one line`, { argument: 'lines' });
    seen.add(line.sku);
  });
  const coupons = input.couponCodes ?? [];
  if (coupons.length > MAX_ORDER_COUPONS) throw badUserInput(`at most ${MAX_ORDER_COUPONS} coupon codes`, { argument: 'couponCodes' });
  coupons.forEach((code, index) => identifier(code, `couponCodes[${index}]`));
  return { ...input, couponCodes: [...new Set(coupons.map((code) => code.trim().toUpperCase()))].sort() };
}

/** A fingerprint of everything the request asks for (not who asks): a reused key must carry the same. */
function requestHash(input: PlaceOrderInput): string {
  const canonical = {
    channel: input.channel,
    customerId: input.customerId,
    currency: input.currency,
    fulfillment: { type: input.fulfillment.type, locationId: input.fulfillment.locationId },
    lines: input.lines.map((line) => [line.sku, line.quantity]),
    // Only when given, so that the fingerprint of an order without coupons is what it always was.
    ...(input.couponCodes?.length ? { couponCodes: input.couponCodes } : {}),
  };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

/** The result an order answers with, as it stands now. */
export function resultOf(order: OrderRecord): PlaceOrderResult {
  if (order.status === 'REJECTED' && order.rejection) {
    return {
      kind: 'rejected',
      order,
      reason: order.rejection.reason,
      shortages: order.rejection.shortages.map((shortage) => ({ sku: shortage.sku, requested: shortage.quantity, available: shortage.available })),
    };
  }
  return { kind: 'placed', order };
}

/**
 * Places an order (see Mutation.placeOrder): validates, prices from the catalog, inserts the order
 * PLACED with its `order.order-placed` event in the same write, then waits for inventory's
 * decision, which the stock-decision consumer writes into the order and signals (no polling).
 * The wait ends `decisionWaitMs` after the request arrived: an order not decided by then is moved
 * PLACED -> PENDING (guarded) and answered as such; it completes by itself later. A call is
 * admitted only while this replica's backlog allows (INTAKE_SATURATED, retryable, otherwise).
 */
export async function placeOrder(models: OrderModels, runtime: OrderRuntime, caller: PlaceOrderCaller, rawInput: PlaceOrderInput): Promise<PlaceOrderResult> {
  const deadline = Date.now() + runtime.settings.decisionWaitMs;
  const input = validate(rawInput);
  assertMayPlaceFor(caller.principal, input.customerId);
  const hash = requestHash(input);

  // Admission first, before any database work: past the backlog a caller waits in line for a
  // decision to free a place, at most ORDER_INTAKE_QUEUE_WAIT_MS and never past half its answer
  // bound, or is refused (a resend of an accepted key too: retrying later is as safe as any refusal).
  const settle = await runtime.intake.admit(Math.min(runtime.settings.intakeQueueWaitMs, runtime.settings.decisionWaitMs / 2));
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
  const placed: OrderPlaced = {
    orderId: order._id,
    orderNumber: order.number,
    channel: order.channel,
    locationId: order.fulfillment.locationId,
    customerId: order.customerId,
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
    status: 'PLACED',
    couponCodes: order.couponCodes ?? [],
  };
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
    if (order.couponCodes?.length) await runtime.releaseCoupons(order._id, order.couponCodes, caller.correlationId);
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
  return awaitDecision(models, runtime, order._id, deadline, order);
}

async function replay(models: OrderModels, runtime: OrderRuntime, order: OrderRecord, hash: string, key: string, deadline: number): Promise<PlaceOrderResult> {
  if (order.requestHash !== hash) throw idempotencyKeyReused(key);
  return AWAITING_STOCK.includes(order.status) ? awaitDecision(models, runtime, order._id, deadline) : resultOf(order);
}

/**
 * The order as it will be stored, priced by the product domain's priceCart (list prices and the
 * promotions in force now for the customer's loyalty tier, read from the customer domain: the
 * same answer every channel gets) and costed from the catalog. CUSTOMER_UNAVAILABLE when the tier cannot be read.
 * NOT_FOUND for an unknown SKU, NOT_SOLD for a SKU without a price there, COUPON_REFUSED for a
 * coupon that cannot be used. Tax is the order domain's rule, on each line's discounted amount.
 */
async function priceOrder(runtime: OrderRuntime, correlationId: string, input: PlaceOrderInput, hash: string): Promise<OrderRecord> {
  const coupons = input.couponCodes ?? [];
  // The customer domain owns the tier: a tier price list or promotion prices this order as priceCart
  // does for that tier. An id it does not know prices as no tier.
  const tier = await runtime.loyaltyTier(input.customerId, correlationId);
  const pricing = await runtime.priceCart(
    {
      currency: input.currency,
      channel: input.channel,
      storeId: input.fulfillment.locationId,
      ...(tier ? { tier } : {}),
      // Beyond its tier, the customer matters to pricing only through per-customer coupon limits:
      // without coupons, identical baskets of customers of one tier share one pricing request (a flash sale).
      ...(coupons.length ? { customerId: input.customerId, couponCodes: coupons } : {}),
      lines: input.lines.map((line) => ({ sku: line.sku, quantity: line.quantity })),
    },
    correlationId,
  );
  const refused = pricing.coupons.find((coupon) => coupon.refusal !== null);
  if (refused) throw couponRefused(refused.code, refused.refusal!);
  const lines: OrderLineRecord[] = input.lines.map((line, index) => {
    const priced = pricing.lines[index]!;
    const net = priced.unitListPriceMinor * line.quantity - priced.discountMinor;
    const tax = taxOf(net, input.currency);
    return {
      lineNumber: index + 1,
      sku: line.sku,
      quantity: line.quantity,
      unitPriceMinor: priced.unitListPriceMinor,
      ...(priced.discountMinor > 0 ? { discountMinor: priced.discountMinor, discounts: priced.discounts.map((discount) => ({ ...discount })) } : {}),
      taxMinor: tax,
      lineTotalMinor: net + tax,
      unitCostMinor: priced.unitCostMinor ?? 0,
    };
  });
  const subtotalMinor = lines.reduce((sum, line) => sum + line.unitPriceMinor * line.quantity - (line.discountMinor ?? 0), 0);
  const taxMinor = lines.reduce((sum, line) => sum + line.taxMinor, 0);
  const id = `ord_${randomUUID()}`;
  const now = new Date();
  return {
    _id: id,
    number: `W-${id.slice(4, 12).toUpperCase()}${id.slice(-4).toUpperCase()}`,
    idempotencyKey: input.idempotencyKey,
    requestHash: hash,
    correlationId,
    channel: input.channel,
    status: 'PLACED',
    customerId: input.customerId,
    currency: input.currency,
    fulfillment: { type: input.fulfillment.type, locationId: input.fulfillment.locationId },
    lines,
    totals: { subtotalMinor, taxMinor, totalMinor: subtotalMinor + taxMinor },
    payment: { authorizedMinor: 0, capturedMinor: 0, refundedMinor: 0 },
    placedAt: now,
    statusHistory: [{ status: 'PLACED', at: now }],
    ...(pricing.promotions.length ? { promotions: pricing.promotions.map((promotion) => ({ ...promotion })) } : {}),
    ...(coupons.length ? { couponCodes: [...coupons] } : {}),
  };
}

/** Uses the order's coupons before it is stored (all or none); COUPON_REFUSED when one was used up meanwhile. */
async function redeemCoupons(runtime: OrderRuntime, order: OrderRecord): Promise<void> {
  if (!order.couponCodes?.length) return;
  const checks = await runtime.redeemCoupons({ orderId: order._id, ...(order.customerId ? { customerId: order.customerId } : {}), codes: order.couponCodes }, order.correlationId);
  const refused = checks.find((check) => check.refusal !== null);
  if (refused) throw couponRefused(refused.code, refused.refusal!);
}

/**
 * Waits until the order is decided or `deadline` passes, reading it at most once at the start
 * (not when the caller already holds it as `known`) and once per wake-up that does not bring the
 * decided order along: waiting callers cost no database work. On time-out a PLACED order is
 * marked PENDING (guarded) and answered with it.
 */
async function awaitDecision(models: OrderModels, runtime: OrderRuntime, orderId: string, deadline: number, known?: OrderRecord): Promise<PlaceOrderResult> {
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
  const updated = await models.orders
    .findOneAndUpdate(
      { _id: order._id, status: 'PLACED' },
      {
        $set: { status: 'PENDING' },
        $push: { statusHistory: { status: 'PENDING', at, reason: 'inventory has not answered yet' }, pendingEvents: storedEnvelope(event) },
      },
      { returnDocument: 'after' },
    )
    .lean<OrderRecord>();
  if (updated) {
    announceEvents(models.orders, writtenDocuments(updated));
    return updated;
  }
  // Inventory decided in the meantime.
  const current = await models.orders.findById(order._id).lean<OrderRecord>();
  if (!current) throw new Error(`order ${order._id} disappeared`);
  return current;
}
