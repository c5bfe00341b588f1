/**
 * Placing orders through the gateway and waiting for inventory's decisions (scenarios 5 and 7):
 * single-unit web orders shipped from one location, their client-side placeOrder latency, and the
 * server-side instants the order domain recorded (placedAt, and when it became CONFIRMED or
 * REJECTED), read back from statusHistory.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { retailDataset } from '@mesh/seed-data';
import { GraphQLRequestError, isTimeout, type BenchClient } from './bench-client.js';
import { percentile } from './stats.js';

export const PLACE_ORDER = `mutation BenchPlaceOrder($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    __typename
    ... on OrderPlaced { order { id status correlationId } }
    ... on OrderRejected { order { id status correlationId } }
  }
}`;

/** The placeOrder input of a request: one unit, shipped from the request's location. */
export function placeOrderInput(request: OrderRequest) {
  return {
    idempotencyKey: request.idempotencyKey,
    channel: 'WEB',
    customerId: request.customerId,
    currency: request.currency,
    lines: [{ sku: request.sku, quantity: 1 }],
    fulfillment: { type: 'SHIP', locationId: request.locationId },
  };
}

/** Statuses still waiting for inventory's answer. */
const UNDECIDED: ReadonlySet<string> = new Set(['PLACED', 'PENDING']);

export interface OrderRequest {
  readonly idempotencyKey: string;
  readonly sku: string;
  readonly locationId: string;
  readonly currency: 'USD' | 'EUR';
  readonly customerId: string;
}

export interface PlacedOrder {
  readonly request: OrderRequest;
  readonly id: string;
  readonly correlationId: string;
  /** The status placeOrder answered with (PENDING when inventory took longer than its 3 s wait). */
  readonly answeredStatus: string;
  /** Date.now() when the request was sent (the services run on this machine's clock). */
  readonly sentAt: number;
  /** Client-side placeOrder round trip in ms (performance.now()), from the first attempt to the answer. */
  readonly latencyMs: number;
  /** Attempts the gateway answered SUBGRAPH_TIMEOUT (repeated with the same idempotency key). */
  readonly timeouts: number;
}

/** Attempts of one order when the gateway times out on the order service (same key: never two orders). */
const PLACE_ATTEMPTS = 3;

export interface DecidedOrder extends PlacedOrder {
  readonly status: 'CONFIRMED' | 'REJECTED';
  /** Server-side instants (ms since epoch): the order's placedAt and its CONFIRMED/REJECTED entry. */
  readonly placedAt: number;
  readonly decidedAt: number;
}

/**
 * A closed-loop run's figures: orders decided per second from the first send (`startedAt`, ms
 * since epoch) to the last decision, the run's length in seconds, and the p99 of placeOrder's
 * latency and of placed-to-decided.
 */
export function decisionFigures(decided: readonly DecidedOrder[], startedAt: number) {
  const seconds = (Math.max(...decided.map((order) => order.decidedAt)) - startedAt) / 1000;
  return {
    seconds,
    ordersPerSecond: decided.length / seconds,
    placeP99: percentile(
      decided.map((order) => order.latencyMs),
      99,
    ),
    decisionP99: percentile(
      decided.map((order) => order.decidedAt - order.placedAt),
      99,
    ),
  };
}

/** Web customers of the seeded data set to place orders for, in a fixed order. */
export function benchCustomers(count = 50): string[] {
  return retailDataset()
    .customers.slice(0, count)
    .map((customer) => customer.id);
}

/** Every SKU of the seeded catalog, in catalog order. */
export function catalogSkus(): string[] {
  return retailDataset().variants.map((variant) => variant.sku);
}

/**
 * One single-unit USD order request per SKU, shipped from `locationId`, keyed `<key>-<index>`, for
 * the customers in turn.
 */
export function oneUnitOfEach(skus: readonly string[], key: string, locationId: string, customers: readonly string[]): OrderRequest[] {
  return skus.map((sku, index) => ({ idempotencyKey: `${key}-${index}`, sku, locationId, currency: 'USD', customerId: customers[index % customers.length]! }));
}

/** A run-unique idempotency key prefix, so no run ever replays another's orders. */
export const runKey = (label: string): string => `bench-${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/**
 * Places one single-unit SHIP order from the request's location. A gateway time-out is repeated
 * with the same idempotency key (counted in `timeouts`); any other error throws.
 */
export async function placeOrder(client: BenchClient, request: OrderRequest): Promise<PlacedOrder> {
  const sentAt = Date.now();
  const started = performance.now();
  const input = placeOrderInput(request);
  for (let attempt = 1; ; attempt++) {
    try {
      const data = await client.request<{ placeOrder: { __typename: string; order: { id: string; status: string; correlationId: string } } }>(
        'placeOrder',
        PLACE_ORDER,
        { input },
        1,
      );
      const latencyMs = performance.now() - started;
      const { order } = data.placeOrder;
      return { request, id: order.id, correlationId: order.correlationId, answeredStatus: order.status, sentAt, latencyMs, timeouts: attempt - 1 };
    } catch (error) {
      // A retryable refusal wrote nothing: send again after its hint (not counted as an attempt).
      if (
        error instanceof GraphQLRequestError &&
        error.codes.every((code) => code === 'INTAKE_SATURATED' || code === 'CATALOG_UNAVAILABLE' || code === 'CUSTOMER_UNAVAILABLE')
      ) {
        attempt -= 1;
        await sleep(Math.min(2000, error.retryAfterMs ?? 500));
        continue;
      }
      if (!isTimeout(error) || attempt >= PLACE_ATTEMPTS) throw error;
    }
  }
}

interface OrderTimes {
  readonly status: string;
  readonly placedAt: string;
  readonly statusHistory: readonly { status: string; at: string }[];
}

/** Reads status and timestamps of many orders, 25 per request (aliases; the gateway allows 30), in input order. */
async function readOrderTimes(client: BenchClient, ids: readonly string[]): Promise<(OrderTimes | null)[]> {
  const answers: (OrderTimes | null)[] = [];
  for (let start = 0; start < ids.length; start += 25) {
    const batch = ids.slice(start, start + 25);
    const query = `query BenchOrderTimes(${batch.map((_, index) => `$id${index}: ID!`).join(', ')}) {
      ${batch.map((_, index) => `o${index}: order(id: $id${index}) { status placedAt statusHistory { status at } }`).join('\n')}
    }`;
    const variables = Object.fromEntries(batch.map((id, index) => [`id${index}`, id]));
    const data = await client.request<Record<string, OrderTimes | null>>('order times', query, variables);
    batch.forEach((_, index) => answers.push(data[`o${index}`] ?? null));
  }
  return answers;
}

/**
 * Polls until every order is CONFIRMED or REJECTED and answers them with their server-side
 * instants; throws when some are still undecided after `timeoutMs`, or an order is missing or
 * ends in another status.
 */
export async function waitUntilDecided(client: BenchClient, placed: readonly PlacedOrder[], timeoutMs: number): Promise<DecidedOrder[]> {
  const deadline = Date.now() + timeoutMs;
  const decided = new Map<string, DecidedOrder>();
  for (;;) {
    const open = placed.filter((order) => !decided.has(order.id));
    if (open.length === 0) break;
    const times = await readOrderTimes(
      client,
      open.map((order) => order.id),
    );
    open.forEach((order, index) => {
      const read = times[index];
      if (!read) throw new Error(`order ${order.id} (key ${order.request.idempotencyKey}) cannot be read back`);
      if (UNDECIDED.has(read.status)) return;
      const decision = read.statusHistory.find((change) => change.status === 'CONFIRMED' || change.status === 'REJECTED');
      if (!decision) throw new Error(`order ${order.id} left PLACED/PENDING without a decision: status ${read.status}`);
      decided.set(order.id, {
        ...order,
        status: decision.status as 'CONFIRMED' | 'REJECTED',
        placedAt: Date.parse(read.placedAt),
        decidedAt: Date.parse(decision.at),
      });
    });
    if (decided.size === placed.length) break;
    if (Date.now() > deadline)
      throw new Error(`${placed.length - decided.size} of ${placed.length} orders still undecided after ${Math.round(timeoutMs / 1000)} s`);
    // The instants come from the server, so polling only decides when to stop: poll a backlog gently.
    await sleep(placed.length - decided.size > 25 ? 1000 : 200);
  }
  return placed.map((order) => decided.get(order.id)!);
}

/**
 * Places `requests` from `concurrency` clients at once (each sends its next order when the last
 * one answered), answering them in completion order.
 */
export async function placeClosedLoop(client: BenchClient, requests: readonly OrderRequest[], concurrency: number): Promise<PlacedOrder[]> {
  const placed: PlacedOrder[] = [];
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const request = requests[next++]!;
      placed.push(await placeOrder(client, request));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, requests.length) }, worker));
  return placed;
}
