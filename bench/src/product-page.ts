/**
 * The product page alone (one product, its variants with prices and availability at 25 locations),
 * requested sequentially through the gateway on an otherwise idle mesh: p50 and p99 per round, and
 * each process's CPU per page, so that a run says both how fast the page is and where its time goes.
 *
 *   npx tsx bench/src/product-page.ts [--pages 200] [--rounds 3] [--out bench/results/product-page.md] [--jfr /tmp/db.jfr]
 *
 * On the embedded database it also lists the queries per page by collection (the server's
 * meshQueryStats over the measured rounds: background passes included), and `--jfr` records the
 * database's CPU samples over the measured rounds (summarise with bench/src/jfr-top-frames.ts).
 *
 * Profile the services meanwhile with MESH_SERVICE_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof"
 * and summarise each profile with `npx tsx bench/src/cpu-profile-top.ts /tmp/prof/<file>.cpuprofile`.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { execFile } from 'node:child_process';
import { MongoClient } from 'mongodb';
import { GatewayClient, startMesh } from '@mesh/mesh-runner';
import { principals } from '@mesh/test-kit';
import { signDevToken } from '@mesh/gateway';
import { sampleProcessTree } from './lib/process-stats.js';
import { percentile, sequentialLatencies } from './lib/stats.js';
import { PRODUCT_PAGE, discoverRetailFixtures, productPageVariables } from './queries.js';

const { values: args } = parseArgs({
  options: {
    pages: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '3' },
    out: { type: 'string' },
    jfr: { type: 'string' },
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

interface NamespaceStats {
  readonly indexed: number;
  readonly scans: number;
  readonly docsExamined: number;
  readonly returned: number;
}

/** The embedded server's query counters by namespace (`db.collection`). */
async function queryStats(client: MongoClient): Promise<Map<string, NamespaceStats>> {
  const answer = await client.db('mesh_bench').command({ meshQueryStats: 1 });
  return new Map(Object.entries(answer['namespaces'] as Record<string, NamespaceStats>));
}

/** Queries per page by namespace between two counter readings, the busiest first. */
function queriesPerPage(before: ReadonlyMap<string, NamespaceStats>, after: ReadonlyMap<string, NamespaceStats>, count: number): string[] {
  const rows = [...after].map(([namespace, now]) => {
    const then = before.get(namespace) ?? { indexed: 0, scans: 0, docsExamined: 0, returned: 0 };
    const per = (key: keyof NamespaceStats) => (now[key] - then[key]) / count;
    return { namespace, queries: per('indexed') + per('scans'), scans: per('scans'), examined: per('docsExamined'), returned: per('returned') };
  });
  const busy = rows.filter((row) => row.queries > 0).sort((a, b) => b.queries - a.queries || a.namespace.localeCompare(b.namespace));
  return [
    '| namespace | queries/page | scans/page | docs examined/page | docs returned/page |',
    '| --- | --- | --- | --- | --- |',
    ...busy.map(
      (row) => `| ${row.namespace} | ${row.queries.toFixed(2)} | ${row.scans.toFixed(2)} | ${row.examined.toFixed(1)} | ${row.returned.toFixed(1)} |`,
    ),
  ];
}

const dataDir = await mkdtemp(join(tmpdir(), 'product-page-'));
log('starting the mesh...');
const mesh = await startMesh({ persistent: false, dataDir, env: { NODE_ENV: 'test', LOG_LEVEL: 'error' }, log: () => {} });
const lines: string[] = [];
const embedded = mesh.database.kind.startsWith('embedded');
const statsClient = embedded ? await new MongoClient(mesh.database.uri).connect() : undefined;
try {
  const gateway = new GatewayClient(mesh.gatewayUrl, await signDevToken(principals.admin));
  const fixtures = await discoverRetailFixtures(gateway, { products: 10, customers: 1, regionChecks: 1 });
  const send = (index: number) =>
    gateway.request(
      'ProductPage',
      PRODUCT_PAGE,
      productPageVariables(fixtures.productIds[index % fixtures.productIds.length]!, fixtures.productPageLocationIds),
    );
  const pids = await servicePids();
  if (mesh.database.pid) pids.set('database', mesh.database.pid);
  const names = [...pids.keys()].sort();
  for (let index = 0; index < 50; index++) await send(index); // warm: plans, connections, JIT
  lines.push(
    `| round | pages | p50 ms | p99 ms | ${names.map((name) => `${name} CPU ms/page`).join(' | ')} |`,
    `| --- | --- | --- | --- | ${names.map(() => '---').join(' | ')} |`,
  );
  // CLOCK_MONOTONIC in microseconds, the clock V8's CPU profiles time their samples with.
  const measuredFrom = process.hrtime.bigint() / 1000n;
  const statsBefore = statsClient ? await queryStats(statsClient) : undefined;
  const jcmd = (...command: string[]) => promisify(execFile)('jcmd', [String(mesh.database.pid), ...command]);
  if (args.jfr) await jcmd('JFR.start', 'name=product-page', 'settings=profile');
  for (let round = 1; round <= rounds; round++) {
    const before = await cpuSeconds(pids);
    const latencies = await sequentialLatencies(pages, send);
    const after = await cpuSeconds(pids);
    const cpu = names.map((name) => (((after.get(name) ?? 0) - (before.get(name) ?? 0)) * 1000) / pages);
    lines.push(
      `| ${round} | ${pages} | ${percentile(latencies, 50).toFixed(2)} | ${percentile(latencies, 99).toFixed(2)} | ${cpu.map((ms) => ms.toFixed(2)).join(' | ')} |`,
    );
    log(lines.at(-1)!);
  }
  if (args.jfr) await jcmd('JFR.stop', 'name=product-page', `filename=${args.jfr}`);
  if (statsClient && statsBefore) {
    lines.push('', `Database queries per page over the ${rounds * pages} measured pages (embedded server's meshQueryStats, background passes included):`, '');
    lines.push(...queriesPerPage(statsBefore, await queryStats(statsClient), rounds * pages));
  }
  log(`measured window for cpu-profile-top: --from ${measuredFrom} --to ${process.hrtime.bigint() / 1000n}`);
} finally {
  await statsClient?.close();
  await mesh.stop();
  await rm(dataDir, { recursive: true, force: true });
}
const report = [
  `Product page, ${pages} sequential requests per round through the gateway (\`npx tsx bench/src/product-page.ts --pages ${pages} --rounds ${rounds}\`), ${new Date().toISOString()}`,
  '',
  ...lines,
  '',
].join('\n');
process.stdout.write(report);
if (args.out) await writeFile(args.out, report);
// Keep the CPU profiles' directory listing in the log, when the services were profiled.
const profileDir = /--cpu-prof-dir=(\S+)/.exec(process.env['MESH_SERVICE_NODE_FLAGS'] ?? '')?.[1];
if (profileDir) log(`profiles: ${(await readdir(profileDir)).join(', ')}`);
