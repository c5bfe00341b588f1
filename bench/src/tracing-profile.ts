/**
 * Where tracing's CPU goes: our gateway with tracing off and at a sampling ratio, each its own
 * process under `node --cpu-prof`, loaded alike with scenario 1's retail mix over one mesh
 * (alternating runs), then the CPU per request of each run and one profile per gateway.
 *
 *   npx tsx bench/src/tracing-profile.ts [--ratio 0.1] [--rounds 3] [--seconds 12] [--variant id=<register.js>]... --out <dir>
 *
 * Each --variant adds one more traced gateway started with another build of the telemetry register
 * (a copy of packages/telemetry/dist kept in the worktree, say), to compare builds in the same rounds.
 *
 * Summarise the profiles with bench/src/cpu-profile-top.ts (<out>/<id>/*.cpuprofile).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { GatewayClient, freePort } from '@mesh/mesh-runner';
import { principals } from '@mesh/test-kit';
import { signDevToken } from '@mesh/gateway';
import { startOtlpSink } from './lib/otlp-sink.js';
import { startProfilableMesh } from './lib/profilable-mesh.js';
import { median } from './lib/stats.js';
import { measureGateway, type GatewayTarget } from './peers/gateway-run.js';
import { writeRoutedSupergraph } from './peers/index.js';
import { spawnPeer } from './peers/peer-process.js';
import { RETAIL_PAGE_SIZES, discoverRetailFixtures, ensureCustomerOrders, retailMixBodies } from './queries.js';

const { values: args } = parseArgs({
  options: {
    ratio: { type: 'string', default: '0.1' },
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '12' },
    out: { type: 'string' },
    variant: { type: 'string', multiple: true, default: [] },
  },
});
if (!args.out) throw new Error('--out <dir> is required');
const out = resolve(args.out);
const samplingRatio = Number(args.ratio);
const log = (line: string) => process.stderr.write(`[tracing-profile] ${line}\n`);

const GATEWAY_ENTRY = fileURLToPath(new URL('../../gateway/dist/index.js', import.meta.url));
const TELEMETRY_REGISTER = pathToFileURL(fileURLToPath(new URL('../../packages/telemetry/dist/register.js', import.meta.url))).href;

await mkdir(out, { recursive: true });
log('starting the mesh...');
const { mesh, dataDir, exitOnSigtermUrl, stop: stopMesh } = await startProfilableMesh('tracing-profile');
const sink = await startOtlpSink();
const stops: (() => Promise<void>)[] = [];
try {
  const admin = new GatewayClient(mesh.gatewayUrl, await signDevToken(principals.admin));
  const fixtures = await discoverRetailFixtures(admin, { products: 16, customers: 6, regionChecks: 12 });
  await ensureCustomerOrders(admin, fixtures.customerIds, RETAIL_PAGE_SIZES.orders, Date.now().toString(36));
  const bodies = retailMixBodies(fixtures).map((item) => item.body);
  const supergraphPath = await writeRoutedSupergraph(dataDir, mesh.subgraphUrls);
  const headers = async () => ({ authorization: `Bearer ${await signDevToken(principals.admin)}` });

  const start = async (id: string, tracing: Record<string, string>, register = TELEMETRY_REGISTER): Promise<GatewayTarget> => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/graphql`;
    const profileDir = join(out, id);
    await mkdir(profileDir, { recursive: true });
    const child = await spawnPeer({
      name: id,
      command: process.execPath,
      args: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--import', exitOnSigtermUrl, '--import', register, GATEWAY_ENTRY],
      env: {
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        GATEWAY_PORT: String(port),
        SUPERGRAPH_PATH: supergraphPath,
        SUPERGRAPH_POLL_MS: '0',
        OTEL_SERVICE_NAME: 'gateway',
        ...tracing,
      },
      cwd: dataDir,
      logFile: join(out, `${id}.log`),
      url,
    });
    stops.push(child.stop);
    return { id, label: id, url, pid: child.pid, version: 'this repo', workers: 'one Node process', headers };
  };
  const tracing = {
    OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: String(samplingRatio),
  };
  const lineup = [await start('off', {}), await start(`traced-${Math.round(samplingRatio * 100)}`, tracing)];
  for (const variant of args.variant!) {
    const [id, register] = variant.split('=');
    if (!id || !register) throw new Error(`--variant wants id=<register.js>, got ${variant}`);
    lineup.push(await start(id, tracing, pathToFileURL(resolve(register)).href));
  }
  const timing = { warmupSeconds: 4, durationSeconds: Number(args.seconds), connections: 32 };
  for (const target of lineup) await measureGateway(target, bodies, { ...timing, warmupSeconds: 0, durationSeconds: 4 });
  const runs = new Map<string, { rps: number; cpuPer1k: number }[]>(lineup.map((target) => [target.id, []]));
  for (let round = 1; round <= Number(args.rounds); round++) {
    for (const target of round % 2 === 1 ? lineup : [...lineup].reverse()) {
      const run = await measureGateway(target, bodies, timing);
      runs.get(target.id)!.push({ rps: run.requestsPerSecond, cpuPer1k: run.cpuSecondsPer1000 });
      log(
        `round ${round} ${target.id}: ${run.requestsPerSecond.toFixed(1)} req/s, ${run.cpuSecondsPer1000.toFixed(3)} CPU s / 1k req, errors ${run.errors + run.non2xx}`,
      );
    }
  }
  const lines = lineup.map((target) => {
    const list = runs.get(target.id)!;
    return `${target.id}: median ${median(list.map((r) => r.rps)).toFixed(1)} req/s, median ${median(list.map((r) => r.cpuPer1k)).toFixed(3)} CPU s / 1k req (per round ${list.map((r) => r.cpuPer1k.toFixed(3)).join(', ')})`;
  });
  lines.push(`OTLP: ${sink.counts().exports} exports, ${Math.round(sink.counts().bytes / 1024)} KiB`);
  await writeFile(join(out, 'summary.txt'), `${lines.join('\n')}\n`);
  for (const line of lines) log(line);
} finally {
  for (const stop of stops) await stop();
  await sink.close();
  await stopMesh();
}
