import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { principals } from '@mesh/test-kit';
import {
  CustomerRecentOrdersDocument,
  PlaceOrderDocument,
  RecordStockMovementDocument,
  StockMovementLogDocument,
  StockSnapshotDocument,
  UndecidedOrdersDocument,
  type CustomerRecentOrdersQuery,
  type StockMovementLogQuery,
  type PlaceOrderInput,
} from '../__generated__/operations.js';
import type { GatewayQuery, GatewayResponse } from '../mesh-fixture.js';

/** Staff with every right: the workflow tests act as the back office. */
export const admin = principals.admin;

/** Statuses an order passes through while inventory has not decided yet. */
export const UNDECIDED: readonly string[] = ['PENDING', 'PLACED'];

export type OrderOutcome = CustomerRecentOrdersQuery['orders']['edges'][number]['node'];

/**
 * Runs `work` over `items` with at most `concurrency` calls in flight, answers in item order. After
 * the first failure no new call starts (so a failed test leaves no burst running), and that
 * failure is thrown once the calls in flight have ended.
 */
export async function inPool<T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !failure) {
      const index = next++;
      try {
        results[index] = await work(items[index]!, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failure) throw failure.error;
  return results;
}

/** Polls `probe` until it returns a value other than undefined, or fails with `what` at the deadline. */
export async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export interface LevelFigures {
  readonly onHand: number;
  readonly reserved: number;
  readonly safetyStock: number;
  readonly available: number;
}

/** One SKU's level at one location, read through the gateway. */
export async function stockOf(mesh: GatewayQuery, sku: string, locationId: string): Promise<LevelFigures> {
  return (await stocksOf(mesh, [sku], locationId))[0]!;
}

/** Several SKUs' levels at one location, in the order asked. */
export async function stocksOf(mesh: GatewayQuery, skus: readonly string[], locationId: string): Promise<LevelFigures[]> {
  const response = await mesh.query(StockSnapshotDocument, { skus: [...skus], locationId }, admin);
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  return response.data!.availability.map((entry) => {
    const level = entry.levels[0];
    assert.ok(level, `${entry.sku} has a level at ${locationId}`);
    return level;
  });
}

/**
 * Makes `available` exactly `target` by a CYCLE_COUNT through the gateway (on hand = target +
 * reserved + safety stock), and checks the result.
 */
export async function setAvailable(mesh: GatewayQuery, sku: string, locationId: string, target: number): Promise<LevelFigures> {
  const before = await stockOf(mesh, sku, locationId);
  const counted = target + before.reserved + before.safetyStock;
  const response = await mesh.query(
    RecordStockMovementDocument,
    {
      input: {
        sku,
        locationId,
        type: 'CYCLE_COUNT',
        quantity: counted,
        idempotencyKey: `count-${sku}-${locationId}-${Date.now()}`,
        reason: 'workflow test set-up',
      },
    },
    admin,
  );
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  assert.equal(response.data?.recordStockMovement.__typename, 'StockMovementRecorded');
  const after = await stockOf(mesh, sku, locationId);
  assert.equal(after.onHand, counted);
  assert.equal(after.available, target);
  return after;
}

/** The whole movement log of one SKU at one location. */
export async function movementLog(
  mesh: GatewayQuery,
  sku: string,
  locationId: string,
): Promise<{ type: string; quantityDelta: number; orderId?: string | null }[]> {
  const movements: { type: string; quantityDelta: number; orderId?: string | null }[] = [];
  let after: string | null = null;
  do {
    const response: GatewayResponse<StockMovementLogQuery> = await mesh.query(StockMovementLogDocument, { sku, locationId, after }, admin);
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    const page = response.data!.stockMovements;
    movements.push(...page.edges.map((edge) => edge.node));
    after = page.pageInfo.hasNextPage ? (page.pageInfo.endCursor ?? null) : null;
  } while (after);
  return movements;
}

export interface PlacedAnswer {
  readonly typename: 'OrderPlaced' | 'OrderRejected';
  readonly orderId: string;
  readonly status: string;
  readonly reason: string | null;
  /** The raw `placeOrder` answer, to compare repeated answers. */
  readonly raw: unknown;
  /** How long the gateway took to answer. */
  readonly elapsedMs: number;
}

/**
 * Sends one placeOrder through the gateway and fails on a GraphQL error. A refusal marked
 * retryable (INTAKE_SATURATED, CATALOG_UNAVAILABLE, CUSTOMER_UNAVAILABLE: nothing was written) is sent again with the same
 * key after its hint, as a storefront does; no other error is retried.
 */
export async function placeOrder(mesh: GatewayQuery, input: PlaceOrderInput): Promise<PlacedAnswer> {
  const startedAt = performance.now();
  let response = await mesh.query(PlaceOrderDocument, { input }, admin);
  for (let attempt = 1; attempt < 120 && response.errors?.every((error) => error.extensions?.['retryable'] === true); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(2000, Number(response.errors![0]!.extensions?.['retryAfterMs']) || 500)));
    response = await mesh.query(PlaceOrderDocument, { input }, admin);
  }
  const elapsedMs = Math.round(performance.now() - startedAt);
  assert.equal(response.errors, undefined, `placeOrder ${input.idempotencyKey}: ${JSON.stringify(response.errors)}`);
  const result = response.data!.placeOrder;
  return {
    typename: result.__typename!,
    orderId: result.order.id,
    status: result.order.status,
    reason: result.__typename === 'OrderRejected' ? result.reason : null,
    raw: result,
    elapsedMs,
  };
}

/** A ship-to-home web order for one customer at one location, in USD. */
export function webOrder(key: string, customerId: string, locationId: string, lines: readonly { sku: string; quantity: number }[]): PlaceOrderInput {
  return { idempotencyKey: key, channel: 'WEB', customerId, currency: 'USD', lines: [...lines], fulfillment: { type: 'SHIP', locationId } };
}

export interface SettleOptions {
  /** Give up when no order was decided for this long (a stall, not slowness). */
  readonly stallMs: number;
  /** Give up after this long in any case. */
  readonly capMs: number;
}

/**
 * Waits, polling cheap counts through the gateway, until none of `customerId`'s orders placed
 * since `placedFrom` is PENDING or PLACED, or until no order has been decided for `stallMs`;
 * then answers every such order as it stands (the caller asserts on them, so a stuck order is
 * reported, not hidden). Each test places its orders for its own customer.
 */
export async function settle(mesh: GatewayQuery, customerId: string, placedFrom: Date, options: SettleOptions): Promise<Map<string, OrderOutcome>> {
  const started = Date.now();
  let lastProgress = started;
  let undecided = Number.POSITIVE_INFINITY;
  for (;;) {
    const response = await mesh.query(UndecidedOrdersDocument, { customerId, placedFrom: placedFrom.toISOString() }, admin);
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    const now = response.data!.pending.totalCount + response.data!.placed.totalCount;
    if (now < undecided) lastProgress = Date.now();
    undecided = now;
    if (undecided === 0 || Date.now() - lastProgress >= options.stallMs || Date.now() - started >= options.capMs) break;
    await sleep(1000);
  }
  const orders = new Map<string, OrderOutcome>();
  let after: string | null = null;
  do {
    const response: GatewayResponse<CustomerRecentOrdersQuery> = await mesh.query(
      CustomerRecentOrdersDocument,
      { customerId, placedFrom: placedFrom.toISOString(), after },
      admin,
    );
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    for (const { node } of response.data!.orders.edges) orders.set(node.id, node);
    after = response.data!.orders.pageInfo.hasNextPage ? (response.data!.orders.pageInfo.endCursor ?? null) : null;
  } while (after);
  return orders;
}

/** Asserts that the orders found are exactly the ones the answers named: one order per key, none extra. */
export function assertSameOrders(orders: ReadonlyMap<string, OrderOutcome>, answers: readonly PlacedAnswer[]): void {
  const answered = new Set(answers.map((answer) => answer.orderId));
  assert.equal(answered.size, answers.length, 'every idempotency key placed its own order');
  assert.deepEqual(new Set(orders.keys()), answered, 'the customer has exactly the orders that were answered');
}

/** Counts orders per status. */
export function countByStatus(orders: Iterable<{ status: string }>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { status } of orders) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

/** A one-line summary of answer latencies, for the test's diagnostics. */
export function latencySummary(answers: readonly PlacedAnswer[]): string {
  const sorted = answers.map((answer) => answer.elapsedMs).sort((a, b) => a - b);
  const at = (fraction: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0;
  const statuses = countByStatus(answers);
  return `${answers.length} answers ${JSON.stringify(statuses)}; latency p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${at(1)} ms`;
}

/**
 * How fast inventory's decisions came in: from the first order placed to the last decided, and
 * decided orders per second over that span (statusHistory times, written by the order domain).
 */
export function decisionSummary(orders: Iterable<OrderOutcome>): string {
  let firstPlaced = Number.POSITIVE_INFINITY;
  let lastDecided = 0;
  let decided = 0;
  for (const order of orders) {
    const placed = order.statusHistory[0];
    const decision = order.statusHistory.find((change) => change.status === 'CONFIRMED' || change.status === 'REJECTED');
    if (placed) firstPlaced = Math.min(firstPlaced, Date.parse(placed.at));
    if (decision) {
      decided += 1;
      lastDecided = Math.max(lastDecided, Date.parse(decision.at));
    }
  }
  const spanMs = lastDecided - firstPlaced;
  return `${decided} orders decided within ${spanMs} ms of the first being placed (${((decided * 1000) / Math.max(1, spanMs)).toFixed(1)} a second)`;
}
