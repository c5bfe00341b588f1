/**
 * The product page alone (one product, its variants with prices and availability at 25 locations),
 * requested sequentially through the gateway on an otherwise idle mesh: p50 and p99 per round, and
 * each process's CPU per page, so that a run says both how fast the page is and where its time goes.
 *
 *   npx tsx bench/src/product-page.ts [--pages 200] [--rounds 3] [--out bench/results/product-page.md]
 *
 * Profile the services meanwhile with MESH_SERVICE_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof"
 * and summarise each profile with `npx tsx bench/src/cpu-profile-top.ts /tmp/prof/<file>.cpuprofile`.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { GatewayClient, startMesh } from '@mesh/mesh-runner';
import { principals } from '@mesh/test-kit';
import { signDevToken } from '@mesh/gateway';
import { sampleProcessTree } from './lib/process-stats.js';
import { percentile } from './lib/stats.js';
import { PRODUCT_PAGE, discoverRetailFixtures, productPageVariables } from './queries.js';

const { values: args } = parseArgs({
  options: {
    pages: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '3' },
    out: { type: 'string' },
  },
});
const pages = Number(args.pages);
const rounds = Number(args.rounds);
const log = (line: string) => process.stderr.write(`[product-page] ${line}\n`);

/** The mesh's processes by service name, found among this process's children by their entry file. */
async function servicePids(): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  const children = (await readFile(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8')).split(/\s+/).filter(Boolean).map(Number);
  for (const pid of children) {
    const command = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ');
    const service = /\/(gateway|subgraphs\/(\w+))\/dist\/index\.js/.exec(command);
    if (service) found.set(service[2] ?? 'gateway', pid);
  }
  return found;
}

async function cpuSeconds(pids: ReadonlyMap<string, number>): Promise<Map<string, number>> {
  const seconds = new Map<string, number>();
  for (const [name, pid] of pids) seconds.set(name, (await sampleProcessTree(pid)).cpuSeconds);
  return seconds;
}

const dataDir = await mkdtemp(join(tmpdir(), 'product-page-'));
log('starting the mesh...');
const mesh = await startMesh({ persistent: false, dataDir, env: { NODE_ENV: 'test', LOG_LEVEL: 'error' }, log: () => {} });
const lines: string[] = [];
try {
  const gateway = new GatewayClient(mesh.gatewayUrl, await signDevToken(principals.admin));
  const fixtures = await discoverRetailFixtures(gateway, { products: 10, customers: 1, regionChecks: 1 });
  const send = (index: number) => gateway.request('ProductPage', PRODUCT_PAGE, productPageVariables(fixtures.productIds[index % fixtures.productIds.length]!, fixtures.productPageLocationIds));
  const pids = await servicePids();
  if (mesh.database.pid) pids.set('database', mesh.database.pid);
  const names = [...pids.keys()].sort();
  for (let index = 0; index < 50; index++) await send(index); // warm: plans, connections, JIT
  lines.push(`| round | pages | p50 ms | p99 ms | ${names.map((name) => `${name} CPU ms/page`).join(' | ')} |`, `| --- | --- | --- | --- | ${names.map(() => '---').join(' | ')} |`);
  // CLOCK_MONOTONIC in microseconds, the clock V8's CPU profiles time their samples with.
  const measuredFrom = process.hrtime.bigint() / 1000n;
  for (let round = 1; round <= rounds; round++) {
    const before = await cpuSeconds(pids);
    const latencies: number[] = [];
    for (let index = 0; index < pages; index++) {
      const started = performance.now();
      await send(index);
      latencies.push(performance.now() - started);
    }
    const after = await cpuSeconds(pids);
    const cpu = names.map((name) => (((after.get(name) ?? 0) - (before.get(name) ?? 0)) * 1000) / pages);
    lines.push(`| ${round} | ${pages} | ${percentile(latencies, 50).toFixed(2)} | ${percentile(latencies, 99).toFixed(2)} | ${cpu.map((ms) => ms.toFixed(2)).join(' | ')} |`);
    log(lines.at(-1)!);
  }
  log(`measured window for cpu-profile-top: --from ${measuredFrom} --to ${process.hrtime.bigint() / 1000n}`);
} finally {
  await mesh.stop();
  await rm(dataDir, { recursive: true, force: true });
}
const report = [`Product page, ${pages} sequential requests per round through the gateway (\`npx tsx bench/src/product-page.ts --pages ${pages} --rounds ${rounds}\`), ${new Date().toISOString()}`, '', ...lines, ''].join('\n');
process.stdout.write(report);
if (args.out) await writeFile(args.out, report);
// Keep the CPU profiles' directory listing in the log, when the services were profiled.
const profileDir = /--cpu-prof-dir=(\S+)/.exec(process.env['MESH_SERVICE_NODE_FLAGS'] ?? '')?.[1];
if (profileDir) log(`profiles: ${(await readdir(profileDir)).join(', ')}`);
