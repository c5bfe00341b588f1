import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  OrderJournalDocument,
  PlaceOrderDocument,
  ShipOrderDocument,
  TrialBalanceDocument,
  type OrderJournalQuery,
  type PlaceOrderInput,
} from '../__generated__/operations.js';
import type { GatewayQuery, GatewayResponse } from '../mesh-fixture.js';
import {
  admin,
  assertSameOrders,
  countByStatus,
  inPool,
  movementLog,
  settle,
  stockOf,
  until,
  webOrder,
  type LevelFigures,
  type OrderOutcome,
  type PlacedAnswer,
} from './workflow-kit.js';

// A burst of flash-sale orders with a fault in the middle, and the end state every fault must
// leave: each key names one order, each order is decided, the stock holds exactly what was sold,
// and shipping posts exactly one balanced capture per order.

/** One error answer a client received before its order was placed, and the gateway that gave it. */
export interface Refusal {
  readonly key: string;
  /** `extensions.code`, or TRANSPORT when no GraphQL answer came back (the connection failed). */
  readonly code: string;
  readonly retryable: boolean;
  readonly gateway: number;
}

const TRANSPORT = 'TRANSPORT';

/** How long a client keeps resending one order before it gives up (and the test fails). */
const RESEND_FOR_MS = 120_000;

/**
 * Sends one placeOrder as a storefront behind a load balancer does: starts at gateway `first`; a
 * refusal marked retryable is sent again with the same idempotency key after its `retryAfterMs`
 * (at most 2 s), a lost connection after 100 ms, each time to the next gateway. Any other error
 * fails the test: every refusal must be retryable. Every error answer is pushed to `refusals`.
 */
export async function placeOrderResending(
  gateways: readonly GatewayQuery[],
  first: number,
  input: PlaceOrderInput,
  refusals: Refusal[],
): Promise<PlacedAnswer> {
  const startedAt = performance.now();
  let gateway = first;
  const giveUpAt = Date.now() + RESEND_FOR_MS;
  for (let attempt = 1; ; attempt++) {
    let response: GatewayResponse<{ placeOrder: { __typename?: string; order: { id: string; status: string }; reason?: string } }> | undefined;
    try {
      response = await gateways[gateway % gateways.length]!.query(PlaceOrderDocument, { input }, admin);
    } catch {
      response = undefined;
    }
    if (response && !response.errors && response.data) {
      const result = response.data.placeOrder;
      return {
        typename: result.__typename as PlacedAnswer['typename'],
        orderId: result.order.id,
        status: result.order.status,
        reason: result.__typename === 'OrderRejected' ? (result.reason ?? null) : null,
        raw: result,
        elapsedMs: Math.round(performance.now() - startedAt),
      };
    }
    const error = response?.errors?.[0];
    const refusal: Refusal = {
      key: input.idempotencyKey,
      code: error ? String(error.extensions?.['code']) : TRANSPORT,
      retryable: error?.extensions?.['retryable'] === true,
      gateway: gateway % gateways.length,
    };
    refusals.push(refusal);
    if (!(refusal.retryable || refusal.code === TRANSPORT) || Date.now() >= giveUpAt)
      assert.fail(`placeOrder ${input.idempotencyKey} after ${attempt} attempts: ${JSON.stringify(response?.errors ?? 'no answer')}`);
    await sleep(refusal.retryable ? Math.min(2000, Number(error?.extensions?.['retryAfterMs']) || 500) : 100);
    gateway += 1;
  }
}

export interface BurstPlan {
  readonly gateways: readonly GatewayQuery[];
  readonly keyPrefix: string;
  readonly sku: string;
  readonly customerId: string;
  readonly locationId: string;
  readonly count: number;
  readonly concurrency: number;
  /** After this many answers, `fault` is started (not awaited by the burst). */
  readonly faultAfter: number;
  readonly fault: () => Promise<void>;
}

export interface BurstOutcome {
  /** One answer per key, in key order. */
  readonly answers: PlacedAnswer[];
  readonly refusals: Refusal[];
  /** Settles when the fault (and any recovery it includes) is over. */
  readonly fault: Promise<void>;
}

/**
 * Places `count` single-unit orders of one SKU (keys `<keyPrefix>-<n>`, spread over the gateways
 * in turn) with at most `concurrency` in flight, starting the fault midway.
 */
export async function orderBurst(plan: BurstPlan): Promise<BurstOutcome> {
  let answered = 0;
  let fault: Promise<void> | undefined;
  const refusals: Refusal[] = [];
  const keys = Array.from({ length: plan.count }, (_, index) => `${plan.keyPrefix}-${index}`);
  const answers = await inPool(keys, plan.concurrency, async (key, index) => {
    const answer = await placeOrderResending(plan.gateways, index, webOrder(key, plan.customerId, plan.locationId, [{ sku: plan.sku, quantity: 1 }]), refusals);
    answered += 1;
    if (answered === plan.faultAfter) fault = plan.fault();
    return answer;
  });
  return { answers, refusals, fault: fault ?? Promise.resolve() };
}

export interface SettledBurst {
  readonly customerId: string;
  readonly placedFrom: Date;
  readonly answers: readonly PlacedAnswer[];
  readonly sku: string;
  readonly locationId: string;
  /** The level before the burst, with `available` units for sale. */
  readonly start: LevelFigures;
}

/**
 * Waits until the burst's orders are decided, then asserts the end state every fault must leave:
 * each key answered with its own order and the customer has no other; every order CONFIRMED or
 * REJECTED (none stuck PLACED or PENDING); exactly the available units confirmed; the confirmed
 * orders hold exactly those units as reserved (so none reserved twice) and nothing is left for sale.
 */
export async function assertBurstSettled(mesh: GatewayQuery, burst: SettledBurst): Promise<Map<string, OrderOutcome>> {
  const orders = await settle(mesh, burst.customerId, burst.placedFrom, { stallMs: 90_000, capMs: 300_000 });
  assertSameOrders(orders, burst.answers);
  const counts = countByStatus(orders.values());
  const sold = Math.min(burst.start.available, burst.answers.length);
  assert.deepEqual(counts, { CONFIRMED: sold, ...(burst.answers.length > sold ? { REJECTED: burst.answers.length - sold } : {}) }, JSON.stringify(counts));
  const end = await stockOf(mesh, burst.sku, burst.locationId);
  assert.equal(end.reserved, burst.start.reserved + sold, 'the confirmed orders hold exactly the stock there was, each once');
  assert.equal(end.onHand, burst.start.onHand, 'nothing left the shelf');
  assert.equal(end.available, burst.start.available - sold, 'stock never went below what was there');
  return orders;
}

type JournalEntryNode = OrderJournalQuery['journalEntries']['edges'][number]['node'];

const sum = (values: readonly string[]) => values.reduce((total, value) => total + BigInt(value), 0n);

/**
 * Ships every confirmed order and asserts each effect happened exactly once: one capture of the
 * order's total, one SALE movement, one balanced ORDER_CAPTURED journal entry per order, no
 * postings for rejected orders, and a balanced trial balance.
 */
export async function assertShippedAndPostedOnce(
  mesh: GatewayQuery,
  burst: SettledBurst,
  orders: ReadonlyMap<string, OrderOutcome>,
  keyPrefix: string,
): Promise<void> {
  const confirmed = [...orders.values()].filter((order) => order.status === 'CONFIRMED');
  const shipped = await inPool(confirmed, 10, async (order) => {
    const response = await mesh.query(ShipOrderDocument, { orderId: order.id, idempotencyKey: `${keyPrefix}-ship-${order.id}` }, admin);
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    const result = response.data!.shipOrder;
    assert.equal(result.payment.captured.minorUnits, order.totals.total.minorUnits, `${order.id} captured its total`);
    return result;
  });
  assert.ok(
    shipped.every((order) => order.status === 'COMPLETED'),
    JSON.stringify(countByStatus(shipped)),
  );

  // Inventory turns each shipped order's reservation into exactly one SALE movement.
  const sales = await until(
    'a SALE movement for every shipped order',
    120_000,
    async () => {
      const found = (await movementLog(mesh, burst.sku, burst.locationId)).filter(
        (movement) => movement.type === 'SALE' && movement.orderId && orders.has(movement.orderId),
      );
      return found.length >= confirmed.length ? found : undefined;
    },
    1000,
  );
  assert.equal(sales.length, confirmed.length, 'one SALE movement per shipped order');
  assert.deepEqual(new Set(sales.map((sale) => sale.orderId)), new Set(confirmed.map((order) => order.id)));
  assert.ok(sales.every((sale) => sale.quantityDelta === -1));
  const afterShipping = await stockOf(mesh, burst.sku, burst.locationId);
  assert.equal(afterShipping.reserved, burst.start.reserved, 'shipping consumed the reservations');
  assert.equal(afterShipping.onHand, burst.start.onHand - confirmed.length, 'shipping took the units off hand');

  const journalOf = async (orderId: string): Promise<JournalEntryNode[]> => {
    const response = await mesh.query(OrderJournalDocument, { orderId }, admin);
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    return response.data!.journalEntries.edges.map((edge) => edge.node);
  };
  const captures = (entries: readonly JournalEntryNode[]) => entries.filter((entry) => entry.source.type === 'ORDER_CAPTURED');
  // Postings arrive by event: wait until every shipped order has its capture, then read the ledger once more.
  await until(
    'a capture entry for every shipped order',
    120_000,
    async () => {
      const missing = (await inPool(confirmed, 10, async (order) => captures(await journalOf(order.id)).length === 0)).filter(Boolean).length;
      return missing === 0 ? true : undefined;
    },
    1000,
  );
  for (const order of confirmed) {
    const entries = await journalOf(order.id);
    assert.equal(captures(entries).length, 1, `${order.id} has ${captures(entries).length} capture entries`);
    const [capture] = captures(entries);
    assert.equal(
      sum(capture!.lines.filter((line) => line.account.code === '1100').map((line) => line.debit.minorUnits)).toString(),
      order.totals.total.minorUnits,
      `${order.id}: the capture debits the order total`,
    );
    for (const entry of entries) {
      assert.equal(
        sum(entry.lines.map((line) => line.debit.minorUnits)),
        sum(entry.lines.map((line) => line.credit.minorUnits)),
        `${order.id} ${entry.source.type} is unbalanced`,
      );
    }
  }
  for (const order of [...orders.values()].filter((candidate) => candidate.status === 'REJECTED')) {
    assert.deepEqual(await journalOf(order.id), [], `rejected ${order.id} has postings`);
  }

  const balance = await mesh.query(TrialBalanceDocument, { currency: 'USD' }, admin);
  assert.equal(balance.errors, undefined, JSON.stringify(balance.errors));
  assert.equal(balance.data!.trialBalance.balanced, true);
  assert.equal(balance.data!.trialBalance.totalDebit.minorUnits, balance.data!.trialBalance.totalCredit.minorUnits);
}

/** Asserts that no consumer of any service parked an event as a dead letter (nothing was lost silently). */
export async function assertNoDeadLetters(mesh: GatewayQuery): Promise<void> {
  const letters = await mesh.query<{ deadLetters: { consumer: string; topic: string; errorMessage: string }[] }, Record<string, never>>(
    '{ deadLetters { consumer topic errorMessage } }',
    {},
    admin,
  );
  assert.equal(letters.errors, undefined, JSON.stringify(letters.errors));
  assert.deepEqual(letters.data?.deadLetters, []);
}

/** Refusals counted by code, for diagnostics and assertions. */
export function refusalCounts(refusals: readonly Refusal[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { code } of refusals) counts[code] = (counts[code] ?? 0) + 1;
  return counts;
}
