/**
 * Where a sustained order load's CPU goes, per order and per process: rounds of single-unit web
 * orders on distinct SKUs (scenario 10's load, without the history growth) placed by closed-loop
 * clients through the gateway, with every service under `node --cpu-prof` when asked.
 *
 *   npx tsx bench/src/sustained-profile.ts --out <dir> [--orders 300] [--clients 25] [--rounds 2] [--profile]
 *
 * Prints orders decided per second and CPU milliseconds per order by process kind for each round,
 * and each round's CLOCK_MONOTONIC window (µs) for bench/src/cpu-profile-top.ts --from/--to over the
 * profiles written to <dir>/profiles.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startMesh } from '@mesh/mesh-runner';
import { principals } from '@mesh/test-kit';
import { signDevToken } from '@mesh/gateway';
import { BenchClient } from './lib/bench-client.js';
import { untilQuiet } from './lib/flash-sale.js';
import { benchCustomers, catalogSkus, oneUnitOfEach, placeClosedLoop, runKey, waitUntilDecided } from './lib/orders.js';
import { cpuSecondsByRole } from './lib/process-stats.js';
import { counterSamples, errorsByCode } from './lib/service-counters.js';
import { percentile } from './lib/stats.js';
import { setAvailable } from './lib/stock.js';

const COUNTERS = ['mesh_db_commands_total', 'mesh_graphql_requests_total', 'mesh_events_published_total', 'mesh_events_handled_total'];

const { values: args } = parseArgs({
  options: {
    out: { type: 'string' },
    orders: { type: 'string', default: '300' },
    clients: { type: 'string', default: '25' },
    rounds: { type: 'string', default: '2' },
    profile: { type: 'boolean', default: false },
  },
});
if (!args.out) throw new Error('--out <dir> is required');
const out = resolve(args.out);
const orders = Number(args.orders);
const clients = Number(args.clients);
const rounds = Number(args.rounds);
const LOCATION = 'loc_wh_nj';
const log = (line: string) => process.stderr.write(`[sustained-profile] ${line}\n`);
const monotonicMicros = () => process.hrtime.bigint() / 1000n;

await mkdir(out, { recursive: true });
const dataDir = await mkdtemp(join(tmpdir(), 'sustained-profile-'));
if (args.profile) {
  // --cpu-prof writes a profile only on a normal exit; the gateway has no SIGTERM handler of its own.
  const exitOnSigterm = join(dataDir, 'exit-on-sigterm.mjs');
  await writeFile(exitOnSigterm, "process.once('SIGTERM', () => process.exit(0));\n");
  process.env['MESH_SERVICE_NODE_FLAGS'] = `--cpu-prof --cpu-prof-dir=${join(out, 'profiles')} --import ${pathToFileURL(exitOnSigterm).href}`;
}
const mesh = await startMesh({
  persistent: false,
  dataDir: join(dataDir, 'mesh'),
  env: { NODE_ENV: process.env['NODE_ENV'] ?? 'test', LOG_LEVEL: 'error' },
  log: () => {},
  history: { size: 'small', adminToken: () => signDevToken(principals.admin) },
});
const lines: string[] = [`command: npx tsx bench/src/sustained-profile.ts ${process.argv.slice(2).join(' ')}`];
try {
  const client = new BenchClient(mesh.gatewayUrl, await signDevToken(principals.admin));
  const customers = benchCustomers();
  const pool = catalogSkus();
  if (pool.length < orders) throw new Error(`${orders} orders need as many SKUs; the catalog has ${pool.length}`);
  for (let round = 0; round < rounds; round++) {
    // A SKU may serve again in a later round: it is given one available unit again first.
    const skus = Array.from({ length: orders }, (_, index) => pool[(round * orders + index) % pool.length]!);
    const key = runKey(`sustained-${round}`);
    await setAvailable(client, skus, LOCATION, 1, `${key}-stock`);
    await untilQuiet(mesh);
    const countersBefore = await counterSamples(mesh.subgraphUrls, COUNTERS);
    const cpuBefore = await cpuSecondsByRole(process.pid);
    const errorsBefore = await errorsByCode(mesh.subgraphUrls.order);
    const from = monotonicMicros();
    const started = Date.now();
    const placed = await placeClosedLoop(client, oneUnitOfEach(skus, key, LOCATION, customers), clients);
    const decided = await waitUntilDecided(client, placed, 300_000);
    const lastDecision = Math.max(...decided.map((order) => order.decidedAt));
    await untilQuiet(mesh);
    const to = monotonicMicros();
    const cpuAfter = await cpuSecondsByRole(process.pid);
    const counted = [...(await counterSamples(mesh.subgraphUrls, COUNTERS)).entries()]
      .map(([series, value]) => [series, (value - (countersBefore.get(series) ?? 0)) / decided.length] as const)
      .filter(([, perOrder]) => perOrder >= 0.05)
      .sort(([a], [b]) => a.localeCompare(b));
    const perOrder = Object.entries(cpuAfter)
      .map(([role, seconds]) => [role, ((seconds - (cpuBefore[role] ?? 0)) * 1000) / decided.length] as const)
      .filter(([, ms]) => ms > 0.05)
      .sort((a, b) => b[1] - a[1]);
    // Refusals the client retried after their hint (within the call's latency): a placeOrder p99 near 2.5 s is one of these.
    const errors = Object.entries(await errorsByCode(mesh.subgraphUrls.order))
      .map(([code, count]) => [code, count - (errorsBefore[code] ?? 0)] as const)
      .filter(([, count]) => count > 0);
    const slowCalls = placed.filter((order) => order.latencyMs > 2000).length;
    const total = perOrder.filter(([role]) => role !== 'bench runner').reduce((sum, [, ms]) => sum + ms, 0);
    const line =
      `round ${round + 1}: ${(decided.length / ((lastDecision - started) / 1000)).toFixed(1)} orders/s decided, ` +
      `placeOrder p50 ${percentile(
        placed.map((order) => order.latencyMs),
        50,
      ).toFixed(0)} ms p99 ${percentile(
        placed.map((order) => order.latencyMs),
        99,
      ).toFixed(0)} ms, ${slowCalls} calls over 2 s; order service errors: ${errors.map(([code, count]) => `${code} ${count}`).join(', ') || 'none'}; ` +
      `CPU ms per order ${total.toFixed(1)} (mesh): ${perOrder.map(([role, ms]) => `${role} ${ms.toFixed(1)}`).join(', ')}; window --from ${from} --to ${to}`;
    log(line);
    lines.push(line, ...counted.map(([series, perOrder]) => `  ${perOrder.toFixed(2)} per order  ${series}`));
  }
} finally {
  await mesh.stop();
  await rm(dataDir, { recursive: true, force: true });
  await writeFile(join(out, 'summary.txt'), `${lines.join('\n')}\n`);
}
