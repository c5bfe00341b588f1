/**
 * Scenario 5, stock contention: the same single-unit orders placed on one hot SKU (more orders than
 * units) and spread over many SKUs (one order each), alternating, from the same number of clients.
 * Every run must end with zero oversells: no SKU confirms more units than it was given, and no
 * level ends with more reserved than on hand allows.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { principals } from '@mesh/test-kit';
import { BenchClient } from '../lib/bench-client.js';
import { benchCustomers, catalogSkus, placeClosedLoop, runKey, waitUntilDecided, type DecidedOrder, type OrderRequest } from '../lib/orders.js';
import { ratio, type BenchContext, type Scenario, type ScenarioResult } from '../lib/scenario.js';
import { percentile, round as significant } from '../lib/stats.js';
import { rawFree, readLevels, setAvailable, type Level } from '../lib/stock.js';

const LOCATION = 'loc_wh_nj';
const CURRENCY = 'USD';
const HOT_SKU = 'SKU-0001-01';
/** Pause before each run, so the set-up's events (ledger postings, availability) are handled first. */
const SETTLE_MS = 2000;
const SIZES = {
  tiny: { hotUnits: 20, orders: 40, concurrency: 10, rounds: 1 },
  full: { hotUnits: 100, orders: 300, concurrency: 50, rounds: 3 },
} as const;

type Variant = 'hot' | 'spread';

interface RunOutcome {
  readonly round: number;
  readonly variant: Variant;
  readonly skus: number;
  readonly unitsGiven: number;
  readonly orders: number;
  readonly confirmed: number;
  readonly rejected: number;
  readonly pendingAnswers: number;
  readonly timeouts: number;
  readonly ordersPerSecond: number;
  readonly placeP50: number;
  readonly placeP99: number;
  readonly decisionP50: number;
  readonly decisionP99: number;
  readonly unsoldWhileRejecting: number;
}

export const stockContention: Scenario = {
  id: '5',
  title: 'Stock contention: one hot SKU vs orders spread over the catalog',
  async run(context: BenchContext): Promise<ScenarioResult> {
    const size = SIZES[context.size];
    const client = new BenchClient(context.mesh.gatewayUrl, await context.bearerFor(principals.admin));
    const customers = benchCustomers();
    const pool = catalogSkus()
      .filter((sku) => sku !== HOT_SKU)
      .slice(0, 1000);
    if (pool.length < size.orders) throw new Error(`the catalog has ${pool.length} SKUs, fewer than the ${size.orders} orders of a spread run`);
    const spreadSkusOf = (round: number) => Array.from({ length: size.orders }, (_, index) => pool[((round - 1) * size.orders + index) % pool.length]!);
    const spreadUsed = new Set(Array.from({ length: size.rounds }, (_, index) => spreadSkusOf(index + 1)).flat());
    // Known stock, set up front so no run starts behind a burst of set-up work (each cycle count is
    // also a ledger posting and an availability event): each spread SKU gets exactly 1 available
    // unit for its one order. The hot SKU is counted before each hot run (one movement).
    await setAvailable(client, [...spreadUsed], LOCATION, 1, runKey('s5-spread-stock'));
    await sleep(3 * SETTLE_MS);
    const outcomes: RunOutcome[] = [];

    for (let round = 1; round <= size.rounds; round++) {
      // Alternate which variant goes first, so drift over the run does not favour one.
      const order: Variant[] = round % 2 === 1 ? ['hot', 'spread'] : ['spread', 'hot'];
      for (const variant of order) {
        const spreadSkus = spreadSkusOf(round);
        const skuOf = (index: number) => (variant === 'hot' ? HOT_SKU : spreadSkus[index]!);
        const skus = variant === 'hot' ? [HOT_SKU] : spreadSkus;
        const key = runKey(`s5-${variant}-r${round}`);
        const unitsPerSku = variant === 'hot' ? size.hotUnits : 1;
        const given = variant === 'hot' ? await setAvailable(client, skus, LOCATION, unitsPerSku, key) : await readLevels(client, skus, LOCATION);
        const unexpected = skus.filter((sku) => given.get(sku)!.available !== unitsPerSku);
        if (unexpected.length > 0)
          throw new Error(`scenario 5: ${unexpected.length} SKU(s) at ${LOCATION} do not hold the ${unitsPerSku} unit(s) given, e.g. ${unexpected[0]}`);
        await sleep(SETTLE_MS);
        const requests: OrderRequest[] = Array.from({ length: size.orders }, (_, index) => ({
          idempotencyKey: `${key}-${index}`,
          sku: skuOf(index),
          locationId: LOCATION,
          currency: CURRENCY,
          customerId: customers[index % customers.length]!,
        }));
        const started = Date.now();
        const placed = await placeClosedLoop(client, requests, size.concurrency);
        const decided = await waitUntilDecided(client, placed, 180_000);
        const after = await readLevels(client, skus, LOCATION);
        const outcome = summarise({ round, variant, started, decided, given, after, unitsPerSku });
        outcomes.push(outcome);
        context.log(
          `round ${round} ${variant}: ${significant(outcome.ordersPerSecond)} orders/s, placeOrder p99 ${Math.round(outcome.placeP99)} ms, decision p99 ${Math.round(outcome.decisionP99)} ms, ${outcome.confirmed} confirmed / ${outcome.rejected} rejected`,
        );
      }
    }

    const byRound = (variant: Variant) => outcomes.filter((outcome) => outcome.variant === variant);
    const hot = byRound('hot');
    const spread = byRound('spread');
    const perRound = (pick: (outcome: RunOutcome) => number) => hot.map((outcome, index) => pick(outcome) / pick(spread[index]!));
    return {
      id: '5',
      title: stockContention.title,
      method:
        `Each run places ${size.orders} single-unit WEB orders (SHIP from ${LOCATION}) through the gateway from ${size.concurrency} concurrent clients ` +
        `(each sends its next order when placeOrder answers), then polls until every order is CONFIRMED or REJECTED. ` +
        `Hot: all orders on ${HOT_SKU}, given exactly ${size.hotUnits} available units first (a cycle count), so ${size.orders - size.hotUnits} must be rejected. ` +
        `Spread: the same orders on ${size.orders} distinct SKUs, one order each, each given exactly 1 available unit (all spread SKUs counted once before the first round). ` +
        `Hot and spread alternate (first one swapped every round), ${size.rounds} round(s), ${SETTLE_MS / 1000} s pause before each run. Orders/s = orders / (first send to the last decision, server time); ` +
        `placeOrder latency is client-side (it includes placeOrder's own wait for inventory's decision, and a repeat with the same idempotency key when the gateway timed out on the order service); decision latency is server-side, ` +
        `the order's placedAt to its CONFIRMED/REJECTED statusHistory entry. After each run the levels are read back: ` +
        `oversells (confirmed units above those given, or a level with more reserved than on hand minus safety stock) must be 0.`,
      tables: [
        {
          title: 'Runs',
          columns: [
            'round',
            'variant',
            'SKUs',
            'units given per SKU',
            'orders',
            'confirmed',
            'rejected',
            'answered PENDING',
            'gateway time-outs (retried)',
            'orders/s',
            'placeOrder p50 ms',
            'placeOrder p99 ms',
            'decision p50 ms',
            'decision p99 ms',
            'oversells',
          ],
          rows: outcomes.map((outcome) => [
            outcome.round,
            outcome.variant,
            outcome.skus,
            outcome.unitsGiven,
            outcome.orders,
            outcome.confirmed,
            outcome.rejected,
            outcome.pendingAnswers,
            outcome.timeouts,
            outcome.ordersPerSecond,
            outcome.placeP50,
            outcome.placeP99,
            outcome.decisionP50,
            outcome.decisionP99,
            0,
          ]),
        },
      ],
      ratios: [
        ratio(
          'hot / spread placeOrder p99',
          perRound((outcome) => outcome.placeP99),
          { text: '<= 3', met: (median) => median <= 3 },
        ),
        ratio(
          'hot / spread decision p99',
          perRound((outcome) => outcome.decisionP99),
        ),
        ratio(
          'hot / spread orders/s',
          perRound((outcome) => outcome.ordersPerSecond),
        ),
      ],
      notes: [
        `Oversells: 0 in every run (checked per SKU: confirmed <= units given, reserved grew by exactly the confirmed units, on hand - reserved - safety stock >= 0 after the run).`,
        `The seeded catalog has ${catalogSkus().length} SKUs at every location; each spread run uses ${size.orders} distinct SKUs of a pool of ${pool.length} (rotating by round), ${spreadUsed.size} distinct SKUs over the whole scenario. ` +
          `With one order per SKU, the spread runs have no contention at all.`,
        `Units left unsold on the hot SKU while orders were rejected (should be 0): ${hot.map((outcome) => outcome.unsoldWhileRejecting).join(', ')}.`,
        `placeOrder answers after at most ~3 s (its wait for inventory), PENDING when inventory has not decided by then: ${outcomes.reduce((sum, outcome) => sum + outcome.pendingAnswers, 0)} of ${outcomes.reduce((sum, outcome) => sum + outcome.orders, 0)} answers were PENDING. ` +
          'Where most are, placeOrder p99 is that cap for both variants and its ratio says little; the decision p99 ratio compares the real decision times. ' +
          'A PENDING answer also frees its client for the next order, so the load is then no longer closed: a backlog of undecided orders builds, which is what the decision latency shows.',
        'The orders are placed from the runner process (not pinned to the load core): placeOrder holds its request open until inventory decides, so the client does little work per order.',
      ],
    };
  },
};

/** One run's numbers, after checking it oversold nothing (throws otherwise). */
function summarise(run: {
  round: number;
  variant: Variant;
  started: number;
  decided: readonly DecidedOrder[];
  given: ReadonlyMap<string, Level>;
  after: ReadonlyMap<string, Level>;
  unitsPerSku: number;
}): RunOutcome {
  const confirmedPerSku = new Map<string, number>();
  for (const order of run.decided) {
    if (order.status === 'CONFIRMED') confirmedPerSku.set(order.request.sku, (confirmedPerSku.get(order.request.sku) ?? 0) + 1);
  }
  const problems: string[] = [];
  let unsold = 0;
  const rejected = run.decided.filter((order) => order.status === 'REJECTED').length;
  for (const [sku, given] of run.given) {
    const confirmed = confirmedPerSku.get(sku) ?? 0;
    const after = run.after.get(sku)!;
    if (confirmed > given.available) problems.push(`${sku}: ${confirmed} units confirmed, ${given.available} given`);
    if (rawFree(after) < 0) problems.push(`${sku}: on hand ${after.onHand} - reserved ${after.reserved} - safety ${after.safetyStock} < 0`);
    if (after.reserved - given.reserved !== confirmed)
      problems.push(`${sku}: reserved grew by ${after.reserved - given.reserved}, ${confirmed} units confirmed`);
    if (rejected > 0 && run.variant === 'hot') unsold += given.available - confirmed;
  }
  if (problems.length > 0)
    throw new Error(`scenario 5, round ${run.round} ${run.variant}: ${problems.length} oversell/stock problem(s): ${problems.slice(0, 5).join('; ')}`);
  const lastDecision = Math.max(...run.decided.map((order) => order.decidedAt));
  const place = run.decided.map((order) => order.latencyMs);
  const decision = run.decided.map((order) => order.decidedAt - order.placedAt);
  return {
    round: run.round,
    variant: run.variant,
    skus: run.given.size,
    unitsGiven: run.unitsPerSku,
    orders: run.decided.length,
    confirmed: run.decided.length - rejected,
    rejected,
    pendingAnswers: run.decided.filter((order) => order.answeredStatus === 'PENDING').length,
    timeouts: run.decided.reduce((sum, order) => sum + order.timeouts, 0),
    ordersPerSecond: run.decided.length / (Math.max(1, lastDecision - run.started) / 1000),
    placeP50: percentile(place, 50),
    placeP99: percentile(place, 99),
    decisionP50: percentile(decision, 50),
    decisionP99: percentile(decision, 99),
    unsoldWhileRejecting: unsold,
  };
}
