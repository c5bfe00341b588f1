/**
 * How fast placed orders get inventory's decision through the whole mesh (gateway, order,
 * inventory, ledger as processes, NATS JetStream, embedded MongoDB), at two EVENT_CONCURRENCY
 * settings side by side. It starts one mesh, then alternates A and B runs: before each run it
 * restarts inventory, order and ledger with that run's EVENT_CONCURRENCY, places ORDERS orders
 * (one line of 1 unit, spread over the seeded SKUs and locations) with IN_FLIGHT placeOrder
 * calls at once, and waits until every order is decided before the next run. Prints per run and
 * the median per setting: orders/s (placed / seconds until the last one was decided), placeOrder
 * p50/p99 latency, the share answered PENDING (not decided within placeOrder's 3 s wait), and
 * the CPU milliseconds per order of every kind of process (from /proc, so robust to other load on
 * the machine: time spent waiting for a core is not counted), summed from the first call until
 * the last order was decided, and the database commands per order each subgraph made (its own
 * mesh_db_commands_total).
 *
 *   npm run build   # the mesh runs the built services
 *   npx tsx bench/decision-throughput.ts [--orders 200] [--in-flight 50] [--rounds 3] [--a 1] [--b 16]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { GatewayClient, GatewayOperationError, startMesh, type RunningMesh, type SubgraphName } from '@mesh/mesh-runner';
import { retailDataset } from '@mesh/seed-data';
import { principals } from '@mesh/test-kit';
import { signDevToken } from '../gateway/src/module.js';
import { cpuSecondsByRole } from './src/lib/process-stats.js';
import { readCounters, type CountsBySubgraph } from './src/lib/service-counters.js';

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
  /** INTAKE_SATURATED answers, each retried with the same key after its hint (at most 1 s). */
  readonly refused: number;
  /** CPU milliseconds per order, per kind of process (see cpuSecondsByRole), plus `total` over the mesh. */
  readonly cpuMsPerOrder: Readonly<Record<string, number>>;
  /** Database commands per order, per subgraph (the services' own counters). */
  readonly dbCommandsPerOrder: Readonly<Record<string, number>>;
  /** The run's CLOCK_MONOTONIC microseconds, for cpu-profile-top's --from/--to. */
  readonly window: { readonly fromUs: bigint; toUs: bigint };
}

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
const median = (values: readonly number[]) =>
  percentile(
    [...values].sort((x, y) => x - y),
    50,
  );

async function restartConsumers(mesh: RunningMesh, concurrency: string): Promise<void> {
  // The runner spawns services with this process's environment under its own options.
  process.env['EVENT_CONCURRENCY'] = concurrency;
  for (const name of ['inventory', 'order', 'ledger'] as const) {
    await mesh.stopSubgraph(name);
    await mesh.startSubgraph(name);
  }
}

type Placed = { placeOrder: { order: { id: string; status: string } } };

/** placeOrder, retrying a retryable INTAKE_SATURATED refusal with the same key after its hint (at most 1 s), as a storefront would. */
async function placeRetryingRefusals(client: GatewayClient, onRefused: () => void, variables: Record<string, unknown>): Promise<Placed> {
  for (;;) {
    try {
      return await client.request<Placed>('placeOrder', PLACE, variables);
    } catch (error) {
      const saturated = error instanceof GatewayOperationError ? error.errors.find((entry) => entry.extensions?.['code'] === 'INTAKE_SATURATED') : undefined;
      if (!saturated) throw error;
      onRefused();
      await sleep(Math.min(1000, Number(saturated.extensions?.['retryAfterMs'] ?? 1000)));
    }
  }
}

const COUNTED: readonly SubgraphName[] = ['order', 'inventory', 'ledger', 'product', 'customer', 'integration'];

async function run(mesh: RunningMesh, client: GatewayClient, placer: GatewayClient, concurrency: string, round: number): Promise<RunResult> {
  const plans = retailDataset().orders.filter((order) => order.channel !== 'POS');
  const offset = (round * SETTINGS.length + SETTINGS.indexOf(concurrency)) * ORDERS;
  const latencies: number[] = [];
  const answers: { id: string; status: string }[] = [];
  let next = 0;
  let refused = 0;
  const countsBefore: CountsBySubgraph = await readCounters(mesh.subgraphUrls, COUNTED);
  const cpuBefore = await cpuSecondsByRole(process.pid);
  const window = { fromUs: process.hrtime.bigint() / 1000n, toUs: 0n };
  const started = Date.now();
  const worker = async () => {
    while (next < ORDERS) {
      const index = next++;
      const plan = plans[(offset + index) % plans.length]!;
      const line = plan.lines[0]!;
      const sent = Date.now();
      const idempotencyKey = `bench:${Date.now().toString(36)}:${concurrency}:${round}:${index}`;
      const data = await placeRetryingRefusals(placer, () => (refused += 1), {
        input: {
          idempotencyKey,
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
  const cpuAfter = await cpuSecondsByRole(process.pid);
  window.toUs = process.hrtime.bigint() / 1000n;
  const countsAfter = await readCounters(mesh.subgraphUrls, COUNTED);
  const dbCommandsPerOrder: Record<string, number> = Object.fromEntries(
    COUNTED.map((name) => [name, (countsAfter[name]!.dbCommands - countsBefore[name]!.dbCommands) / ORDERS]),
  );
  dbCommandsPerOrder['total'] = COUNTED.reduce((sum, name) => sum + dbCommandsPerOrder[name]!, 0);
  const cpuMsPerOrder: Record<string, number> = {};
  for (const [role, cpu] of Object.entries(cpuAfter)) cpuMsPerOrder[role] = ((cpu - (cpuBefore[role] ?? 0)) * 1000) / ORDERS;
  cpuMsPerOrder['total'] = Object.entries(cpuMsPerOrder).reduce((sum, [role, ms]) => (role === 'bench runner' ? sum : sum + ms), 0);
  latencies.sort((x, y) => x - y);
  return {
    concurrency,
    ordersPerSecond: ORDERS / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    pendingShare: answers.filter((answer) => answer.status === 'PENDING').length / ORDERS,
    rejected: [...statuses.values()].filter((status) => status === 'REJECTED').length,
    refused,
    cpuMsPerOrder,
    dbCommandsPerOrder,
    window,
  };
}

/** "total 45.1 | order 10.2, database 8.0, ...": the mesh's CPU ms per order, biggest first (the bench runner, the client, last and outside the total). */
const formatCpu = (cpu: Readonly<Record<string, number>>) => {
  const { total = 0, ...roles } = cpu;
  const parts = Object.entries(roles)
    .sort(([a, x], [b, y]) => (a === 'bench runner' ? 1 : b === 'bench runner' ? -1 : y - x))
    .map(([role, ms]) => `${role} ${ms.toFixed(1)}`);
  return `CPU ms/order: total ${total.toFixed(1)} | ${parts.join(', ')}`;
};

const formatCommands = (commands: Readonly<Record<string, number>>) =>
  `database commands/order: total ${(commands['total'] ?? 0).toFixed(1)} | ${COUNTED.map((name) => `${name} ${(commands[name] ?? 0).toFixed(1)}`).join(', ')}`;

const format = (
  result: Omit<RunResult, 'rejected' | 'refused' | 'cpuMsPerOrder' | 'dbCommandsPerOrder' | 'window'> & { rejected?: number; refused?: number },
) =>
  `EVENT_CONCURRENCY=${result.concurrency.padEnd(3)} ${result.ordersPerSecond.toFixed(1).padStart(6)} orders/s  placeOrder p50 ${String(Math.round(result.p50Ms)).padStart(5)} ms  p99 ${String(Math.round(result.p99Ms)).padStart(5)} ms  PENDING ${(result.pendingShare * 100).toFixed(0).padStart(3)}%${result.rejected === undefined ? '' : `  rejected ${result.rejected}`}${result.refused ? `  refused (retried) ${result.refused}` : ''}`;

const dataDir = await mkdtemp(join(tmpdir(), 'bench-decisions-'));
process.stderr.write(`starting the mesh (${ORDERS} orders, ${IN_FLIGHT} in flight, ${ROUNDS} rounds of EVENT_CONCURRENCY ${SETTINGS.join(' vs ')})...\n`);
const mesh = await startMesh({ persistent: false, dataDir, env: { NODE_ENV: 'test', LOG_LEVEL: 'error' }, log: () => {} });
try {
  const token = await signDevToken(principals.admin);
  const client = new GatewayClient(mesh.gatewayUrl, token);
  // Places without the client's own backoff, so that every INTAKE_SATURATED refusal is counted and retried after its hint.
  const placer = new GatewayClient(mesh.gatewayUrl, token, 1);
  const results: RunResult[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const concurrency of SETTINGS) {
      await restartConsumers(mesh, concurrency);
      await sleep(2000); // let the restarted services finish their start-up work
      const result = await run(mesh, client, placer, concurrency, round);
      results.push(result);
      process.stdout.write(
        `round ${round + 1}: ${format(result)}\n         ${formatCpu(result.cpuMsPerOrder)}\n         ${formatCommands(result.dbCommandsPerOrder)}\n         window (µs, for cpu-profile-top): --from ${result.window.fromUs} --to ${result.window.toUs}\n`,
      );
    }
  }
  process.stdout.write('medians:\n');
  for (const concurrency of SETTINGS) {
    const mine = results.filter((result) => result.concurrency === concurrency);
    const pick = (key: 'ordersPerSecond' | 'p50Ms' | 'p99Ms' | 'pendingShare') => median(mine.map((result) => result[key]));
    process.stdout.write(
      `  ${format({ concurrency, ordersPerSecond: pick('ordersPerSecond'), p50Ms: pick('p50Ms'), p99Ms: pick('p99Ms'), pendingShare: pick('pendingShare') })}\n`,
    );
    const roles = new Set(mine.flatMap((result) => Object.keys(result.cpuMsPerOrder)));
    const cpu = Object.fromEntries([...roles].map((role) => [role, median(mine.map((result) => result.cpuMsPerOrder[role] ?? 0))]));
    process.stdout.write(`    ${formatCpu(cpu)}\n`);
    const commands = Object.fromEntries(['total', ...COUNTED].map((name) => [name, median(mine.map((result) => result.dbCommandsPerOrder[name] ?? 0))]));
    process.stdout.write(`    ${formatCommands(commands)}\n`);
  }
} finally {
  await mesh.stop();
  await rm(dataDir, { recursive: true, force: true });
}
