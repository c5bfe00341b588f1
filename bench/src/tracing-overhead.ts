/**
 * What tracing costs the whole mesh: sets of every service (six subgraphs and a gateway, replicas
 * sharing one database and broker) with tracing off, 10 % and 100 % sampled, all running at once,
 * loaded one at a time with scenario 1's retail mix in alternating rounds. Per round and set: the
 * throughput and the CPU of every process a request touches (the set's seven, the database and
 * nats-server), read from /proc, per 1,000 requests. Overhead is the ratio to the set with tracing
 * off in the same round; the summary gives medians of those ratios.
 *
 *   npx tsx bench/src/tracing-overhead.ts --out <dir> [--rounds 6] [--seconds 10] [--warmup 3]
 *     [--variant id=<register.js>]... [--profile <subgraph>]
 *
 * --variant adds a 10 % and a 100 % set started with another build of the telemetry register (a
 * copy of packages/telemetry/dist kept in the worktree), to compare builds in the same rounds.
 * --profile runs the gateway and that subgraph of the off and every 10 % set under `node --cpu-prof`
 * (profiles in <out>/profiles/<set>-<service>/; summarise them with bench/src/cpu-profile-top.ts);
 * the profiler's cost is in those runs' CPU, so measure without it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { GatewayClient } from '@mesh/mesh-runner';
import { principals } from '@mesh/test-kit';
import { signDevToken } from '@mesh/gateway';
import { runLoad } from './lib/load.js';
import { startProfilableMesh } from './lib/profilable-mesh.js';
import { cpuSnapshot, sharedBackendPids, startMeshSet, type MeshSet, type ServiceName } from './lib/mesh-set.js';
import { startOtlpSink, type OtlpSink } from './lib/otlp-sink.js';
import { renderOverhead, type SetRound } from './lib/tracing-overhead-report.js';
import { RETAIL_PAGE_SIZES, discoverRetailFixtures, ensureCustomerOrders, retailMixBodies } from './queries.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '6' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    out: { type: 'string' },
    variant: { type: 'string', multiple: true, default: [] },
    profile: { type: 'string' },
  },
});
if (!args.out) throw new Error('--out <dir> is required');
const out = resolve(args.out);
const log = (line: string) => process.stderr.write(`[tracing-overhead] ${line}\n`);
process.setMaxListeners(100); // each of the ~40 service processes adds an exit listener (killOnExit)
for (const name of Object.keys(process.env)) if (name.startsWith('OTEL_')) delete process.env[name]; // the "off" set must be off

await mkdir(out, { recursive: true });
log('starting the mesh...');
const { mesh, exitOnSigtermUrl, stop: stopMesh } = await startProfilableMesh('tracing-overhead');
const sets: MeshSet[] = [];
const sinks = new Map<string, OtlpSink>();
try {
  const admin = new GatewayClient(mesh.gatewayUrl, await signDevToken(principals.admin));
  const fixtures = await discoverRetailFixtures(admin, { products: 16, customers: 6, regionChecks: 12 });
  await ensureCustomerOrders(admin, fixtures.customerIds, RETAIL_PAGE_SIZES.orders, Date.now().toString(36));
  const bodies = retailMixBodies(fixtures).map((item) => item.body);

  const profiled = (setId: string) => (service: ServiceName) =>
    args.profile && (setId === 'off' || setId.endsWith('10%')) && (service === 'gateway' || service === args.profile)
      ? ['--cpu-prof', `--cpu-prof-dir=${join(out, 'profiles', `${setId.replace('%', 'pct').replace(' ', '-')}-${service}`)}`, '--import', exitOnSigtermUrl]
      : [];
  const startSet = async (id: string, ratio: number | undefined, register?: string) => {
    log(`starting set ${id}...`);
    let env: Record<string, string> = {};
    if (ratio !== undefined) {
      const sink = await startOtlpSink();
      sinks.set(id, sink);
      env = { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: String(ratio) };
    }
    sets.push(await startMeshSet(mesh, { id, env, telemetryRegister: register, nodeFlags: profiled(id) }));
  };
  await startSet('off', undefined);
  await startSet('10%', 0.1);
  await startSet('100%', 1);
  for (const variant of args.variant!) {
    const [id, register] = variant.split('=');
    if (!id || !register) throw new Error(`--variant wants id=<register.js>, got ${variant}`);
    const href = pathToFileURL(resolve(register)).href;
    await startSet(`${id} 10%`, 0.1, href);
    await startSet(`${id} 100%`, 1, href);
  }
  const shared = await sharedBackendPids(process.pid);
  log(`shared processes: ${[...shared].map(([name, pid]) => `${name} ${pid}`).join(', ')}`);
  const headers = async () => ({ authorization: `Bearer ${await signDevToken(principals.admin)}` });
  const spec = async (set: MeshSet) => ({
    url: set.gatewayUrl,
    bodies,
    headers: await headers(),
    connections: Number(args.connections),
    warmupSeconds: 0,
    staggerConnections: true,
  });

  // Every set's JIT warms up before the first measured round. The clock printed bounds the
  // loaded part for cpu-profile-top's --from/--to (module loading and seeding left out).
  log(`load starts at ${process.hrtime.bigint() / 1000n} µs (CLOCK_MONOTONIC)`);
  for (const set of sets) await runLoad({ ...(await spec(set)), durationSeconds: 6 });
  const rounds: SetRound[] = [];
  for (let round = 1; round <= Number(args.rounds); round++) {
    for (const set of round % 2 === 1 ? sets : [...sets].reverse()) {
      const load = await spec(set);
      await runLoad({ ...load, durationSeconds: Number(args.warmup) });
      const pids = new Map<string, number>([...set.pids, ...shared]);
      const before = await cpuSnapshot(pids);
      const otlpBefore = sinks.get(set.id)?.counts().bytes ?? 0;
      const result = await runLoad({ ...load, durationSeconds: Number(args.seconds) });
      const after = await cpuSnapshot(pids);
      const otlpBytes = (sinks.get(set.id)?.counts().bytes ?? 0) - otlpBefore;
      const cpu = Object.fromEntries([...pids.keys()].map((name) => [name, after.get(name)! - before.get(name)!]));
      rounds.push({
        set: set.id,
        round,
        requests: result.requests,
        requestsPerSecond: result.requestsPerSecond,
        p99Ms: result.p99Ms,
        errors: result.errors + result.non2xx,
        cpu,
        otlpBytes,
      });
      const total = Object.values(cpu).reduce((sum, value) => sum + value, 0);
      log(
        `round ${round} ${set.id}: ${result.requestsPerSecond.toFixed(1)} req/s, mesh ${((total / result.requests) * 1000).toFixed(3)} CPU s / 1k req, errors ${result.errors + result.non2xx}`,
      );
    }
  }
  log(`load ends at ${process.hrtime.bigint() / 1000n} µs (CLOCK_MONOTONIC)`);
  const command = `npx tsx bench/src/tracing-overhead.ts ${process.argv.slice(2).join(' ')}`;
  await writeFile(join(out, 'rounds.json'), `${JSON.stringify({ command, rounds }, null, 2)}\n`);
  await writeFile(join(out, 'summary.md'), renderOverhead({ command, setIds: sets.map((set) => set.id), rounds }));
  log(`written ${join(out, 'summary.md')}`);
} finally {
  for (const set of sets) await set.stop().catch(() => undefined);
  for (const sink of sinks.values()) await sink.close();
  await stopMesh();
}
