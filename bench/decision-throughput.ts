/**
 * How fast placed orders get inventory's decision through the whole mesh (gateway, order,
 * inventory, ledger as processes, NATS JetStream, embedded MongoDB), at two EVENT_CONCURRENCY
 * settings side by side. It starts one mesh, then alternates A and B runs: before each run it
 * restarts inventory, order and ledger with that run's EVENT_CONCURRENCY, places ORDERS orders
 * (one line of 1 unit, spread over the seeded SKUs and locations) with IN_FLIGHT placeOrder
 * calls at once, and waits until every order is decided before the next run. Prints per run and
 * the median per setting: orders/s (placed / seconds until the last one was decided), placeOrder
 * p50/p99 latency, and the share answered PENDING (not decided within placeOrder's 3 s wait).
 *
 *   npm run build   # the mesh runs the built services
 *   npx tsx bench/decision-throughput.ts [--orders 200] [--in-flight 50] [--rounds 3] [--a 1] [--b 16]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { GatewayClient, startMesh, type RunningMesh } from '@mesh/mesh-runner';
import { retailDataset } from '@mesh/seed-data';
import { principals } from '@mesh/test-kit';
import { signDevToken } from '../gateway/src/module.js';

const { values: args } = parseArgs({
  options: {
    orders: { type: 'string', default: '200' },
    'in-flight': { type: 'string', default: '50' },
    rounds: { type: 'string', default: '3' },
    a: { type: 'string', default: '1' },
    b: { type: 'string', default: '16' },
  },
});
const ORDERS = Number(args.orders);
const IN_FLIGHT = Number(args['in-flight']);
const ROUNDS = Number(args.rounds);
const SETTINGS = [args.a!, args.b!];

const PLACE = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { __typename ... on OrderPlaced { order { id status } } ... on OrderRejected { order { id status } } } }`;
const READ = `query($id: ID!) { order(id: $id) { status } }`;
const UNDECIDED = new Set(['PLACED', 'PENDING']);

interface RunResult {
  readonly concurrency: string;
  readonly ordersPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly pendingShare: number;
  readonly rejected: number;
}

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
const median = (values: readonly number[]) => percentile([...values].sort((x, y) => x - y), 50);

async function restartConsumers(mesh: RunningMesh, concurrency: string): Promise<void> {
  // The runner spawns services with this process's environment under its own options.
  process.env['EVENT_CONCURRENCY'] = concurrency;
  for (const name of ['inventory', 'order', 'ledger'] as const) {
    await mesh.stopSubgraph(name);
    await mesh.startSubgraph(name);
  }
}

async function run(client: GatewayClient, concurrency: string, round: number): Promise<RunResult> {
  const plans = retailDataset().orders.filter((order) => order.channel !== 'POS');
  const offset = (round * SETTINGS.length + SETTINGS.indexOf(concurrency)) * ORDERS;
  const latencies: number[] = [];
  const answers: { id: string; status: string }[] = [];
  let next = 0;
  const started = Date.now();
  const worker = async () => {
    while (next < ORDERS) {
      const index = next++;
      const plan = plans[(offset + index) % plans.length]!;
      const line = plan.lines[0]!;
      const sent = Date.now();
      const data = await client.request<{ placeOrder: { order: { id: string; status: string } } }>('placeOrder', PLACE, {
        input: {
          idempotencyKey: `bench:${Date.now().toString(36)}:${concurrency}:${round}:${index}`,
          channel: plan.channel,
          customerId: plan.customerId,
          currency: plan.currency,
          lines: [{ sku: line.sku, quantity: 1 }],
          fulfillment: { type: plan.fulfillment.type, locationId: plan.fulfillment.locationId },
        },
      });
      latencies.push(Date.now() - sent);
      answers.push(data.placeOrder.order);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  // Every order must be decided before the run counts as done (and before the next one starts).
  const statuses = new Map(answers.map((answer) => [answer.id, answer.status]));
  for (;;) {
    const undecided = [...statuses].filter(([, status]) => UNDECIDED.has(status)).map(([id]) => id);
    if (undecided.length === 0) break;
    if (Date.now() - started > 10 * 60_000) throw new Error(`${undecided.length} orders still undecided after 10 minutes`);
    await sleep(100);
    await Promise.all(undecided.map(async (id) => statuses.set(id, (await client.request<{ order: { status: string } }>('order', READ, { id })).order.status)));
  }
  const seconds = (Date.now() - started) / 1000;
  latencies.sort((x, y) => x - y);
  return {
    concurrency,
    ordersPerSecond: ORDERS / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    pendingShare: answers.filter((answer) => answer.status === 'PENDING').length / ORDERS,
    rejected: [...statuses.values()].filter((status) => status === 'REJECTED').length,
  };
}

const format = (result: Omit<RunResult, 'rejected'> & { rejected?: number }) =>
  `EVENT_CONCURRENCY=${result.concurrency.padEnd(3)} ${result.ordersPerSecond.toFixed(1).padStart(6)} orders/s  placeOrder p50 ${String(Math.round(result.p50Ms)).padStart(5)} ms  p99 ${String(Math.round(result.p99Ms)).padStart(5)} ms  PENDING ${(result.pendingShare * 100).toFixed(0).padStart(3)}%${result.rejected === undefined ? '' : `  rejected ${result.rejected}`}`;

const dataDir = await mkdtemp(join(tmpdir(), 'bench-decisions-'));
process.stderr.write(`starting the mesh (${ORDERS} orders, ${IN_FLIGHT} in flight, ${ROUNDS} rounds of EVENT_CONCURRENCY ${SETTINGS.join(' vs ')})...\n`);
const mesh = await startMesh({ persistent: false, dataDir, env: { NODE_ENV: 'test', LOG_LEVEL: 'error' }, log: () => {} });
try {
  const client = new GatewayClient(mesh.gatewayUrl, await signDevToken(principals.admin));
  const results: RunResult[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const concurrency of SETTINGS) {
      await restartConsumers(mesh, concurrency);
      await sleep(2000); // let the restarted services finish their start-up work
      const result = await run(client, concurrency, round);
      results.push(result);
      process.stdout.write(`round ${round + 1}: ${format(result)}\n`);
    }
  }
  process.stdout.write('medians:\n');
  for (const concurrency of SETTINGS) {
    const mine = results.filter((result) => result.concurrency === concurrency);
    const pick = (key: 'ordersPerSecond' | 'p50Ms' | 'p99Ms' | 'pendingShare') => median(mine.map((result) => result[key]));
    process.stdout.write(`  ${format({ concurrency, ordersPerSecond: pick('ordersPerSecond'), p50Ms: pick('p50Ms'), p99Ms: pick('p99Ms'), pendingShare: pick('pendingShare') })}\n`);
  }
} finally {
  await mesh.stop();
  await rm(dataDir, { recursive: true, force: true });
}
