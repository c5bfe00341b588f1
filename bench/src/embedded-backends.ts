/**
 * The embedded database's storage choices, side by side on one workload (issue 18, point 4): every
 * variant serves its own copy of the same data, all run at once, and each round measures them one
 * after another (in a rotating order) on a product-page read mix and an order-intake write mix.
 * Per variant and phase: operations a second and the Java process's CPU milliseconds per operation.
 *
 *   npx tsx bench/src/embedded-backends.ts [--seconds 6] [--rounds 3] [--workers 8] [--out bench/results]
 *      [--variants h2,memory] [--profile h2]   (records JFR profiles of that variant into bench/.work/)
 *      [--baseline <commit>]   (adds h2-before: the launcher as it was at that commit, on its own file)
 *
 * Writes bench/results/embedded-backends.{json,md}.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { writeFile } from 'node:fs/promises';
import { startEmbeddedMongo, type EmbeddedMongoOptions, type RunningDatabase } from '@mesh/embedded-mongo';
import { MongoClient, type Db } from 'mongodb';
import { sampleProcessTree } from './lib/process-stats.js';
import { renderMarkdown, runHeader } from './lib/report.js';
import { ratio, type MeasuredRatio, type ScenarioResult } from './lib/scenario.js';
import { median, round } from './lib/stats.js';
import { compileLauncherAt, startLauncher } from './lib/launcher-at-commit.js';
import { PRODUCTS, readProductPage, seedRetailData, writeOrder, type WriteCursor } from './lib/embedded-workload.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '6' },
    rounds: { type: 'string', default: '3' },
    workers: { type: 'string', default: '8' },
    out: { type: 'string', default: join(repoRoot, 'bench/results') },
    profile: { type: 'string' },
    variants: { type: 'string' },
    baseline: { type: 'string' },
  },
});
const seconds = Number(args.seconds);
const rounds = Number(args.rounds);
const workers = Number(args.workers);
const WARM_SECONDS = 2;

interface Variant {
  readonly name: string;
  readonly description: string;
  readonly start: (dir: string) => Promise<RunningDatabase>;
}

const embedded = (options: EmbeddedMongoOptions) => () => startEmbeddedMongo(options);
const ALL_VARIANTS: readonly Variant[] = [
  {
    name: 'h2',
    description: 'H2 MVStore file + our indexes (npm start)',
    start: (dir) => startEmbeddedMongo({ backend: 'h2', dataFile: join(dir, 'h2.mv.db'), slowQueryMs: 1e9 }),
  },
  ...(args.baseline
    ? [
        {
          name: 'h2-before',
          description: `the same, launcher as at ${args.baseline}`,
          start: async (dir: string) => startLauncher(await compileLauncherAt(repoRoot, args.baseline!, join(dir, 'before')), join(dir, 'before.mv.db')),
        },
      ]
    : []),
  {
    name: 'h2-cache-16mb',
    description: "the same with H2's default page cache (16 MB, not 256)",
    start: (dir) => startEmbeddedMongo({ backend: 'h2', dataFile: join(dir, 'cache16.mv.db'), cacheMb: 16, slowQueryMs: 1e9 }),
  },
  { name: 'memory', description: "MVStore without a file + our indexes (the tests' backend)", start: embedded({ backend: 'memory' }) },
  {
    name: 'h2-snapshot',
    description: 'H2 file written every 30 s instead of every second or megabyte',
    start: (dir) => startEmbeddedMongo({ backend: 'h2', dataFile: join(dir, 'snapshot.mv.db'), writeEveryMs: 30_000, slowQueryMs: 1e9 }),
  },
  { name: 'memory-stock', description: "upstream's MemoryBackend as shipped (cannot carry our indexes: scans)", start: embedded({ backend: 'memory-stock' }) },
];

const VARIANTS = args.variants ? ALL_VARIANTS.filter((variant) => args.variants!.split(',').includes(variant.name)) : ALL_VARIANTS;
if (VARIANTS[0]?.name !== 'h2') throw new Error('--variants must include h2, the baseline of every ratio');

type Phase = 'reads' | 'writes';
interface Measure {
  readonly round: number;
  readonly variant: string;
  readonly phase: Phase;
  readonly operations: number;
  readonly opsPerSecond: number;
  readonly cpuMsPerOp: number;
}

interface Running {
  readonly variant: Variant;
  readonly database: RunningDatabase;
  readonly client: MongoClient;
  readonly db: Db;
  readonly cursor: WriteCursor;
}

const log = (line: string) => process.stderr.write(`[embedded-backends] ${line}\n`);
const run = promisify(execFile);

/** Runs `operation` from `workers` concurrent loops for `forSeconds`; answers how many completed. */
async function drive(forSeconds: number, operation: (worker: number, index: number) => Promise<void>): Promise<number> {
  const until = performance.now() + forSeconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      for (let index = 0; performance.now() < until; index++) {
        await operation(worker, index);
        done++;
      }
    }),
  );
  return done;
}

async function measure(server: Running, round: number, phase: Phase, profileDir: string | undefined): Promise<Measure> {
  const pid = server.database.pid!;
  const operation =
    phase === 'reads'
      ? (worker: number, index: number) => readProductPage(server.db, (worker * 7919 + index * 31 + round) % PRODUCTS)
      : () => writeOrder(server.db, server.cursor);
  await drive(WARM_SECONDS, operation); // the JIT compiles the hot paths of this variant and phase first
  const recording = profileDir !== undefined && server.variant.name === args.profile;
  if (recording) await run('jcmd', [String(pid), 'JFR.start', 'name=bench', 'settings=profile']);
  const cpuBefore = (await sampleProcessTree(pid)).cpuSeconds;
  const started = performance.now();
  const operations = await drive(seconds, operation);
  const elapsed = (performance.now() - started) / 1000;
  const cpu = (await sampleProcessTree(pid)).cpuSeconds - cpuBefore;
  if (recording)
    await run('jcmd', [String(pid), 'JFR.stop', 'name=bench', `filename=${join(profileDir!, `${server.variant.name}-${phase}-round${round + 1}.jfr`)}`]);
  return { round, variant: server.variant.name, phase, operations, opsPerSecond: operations / elapsed, cpuMsPerOp: (cpu * 1000) / operations };
}

const dataDir = await mkdtemp(join(tmpdir(), 'embedded-backends-'));
const profileDir = args.profile ? join(repoRoot, 'bench/.work', `embedded-backends-${new Date().toISOString().replace(/[:.]/g, '-')}`) : undefined;
if (profileDir) await mkdir(profileDir, { recursive: true });
const servers: Running[] = [];
const seeding: string[] = [];
const measures: Measure[] = [];
try {
  for (const variant of VARIANTS) {
    const database = await variant.start(dataDir);
    const client = await new MongoClient(database.uri, { maxPoolSize: workers }).connect();
    const db = client.db('bench');
    const started = performance.now();
    const cursor = await seedRetailData(db);
    seeding.push(`${variant.name}: seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    log(seeding.at(-1)!);
    servers.push({ variant, database, client, db, cursor });
  }
  for (let round = 0; round < rounds; round++) {
    // Rotate who goes first, so that the machine's drift falls on every variant alike.
    const order = servers.map((_, index) => servers[(index + round) % servers.length]!);
    for (const phase of ['reads', 'writes'] as const) {
      for (const server of order) {
        const measured = await measure(server, round, phase, profileDir);
        measures.push(measured);
        log(`round ${round + 1} ${phase} ${server.variant.name}: ${measured.opsPerSecond.toFixed(0)} ops/s, ${measured.cpuMsPerOp.toFixed(2)} ms CPU/op`);
      }
    }
  }
} finally {
  for (const server of servers) {
    await server.client.close();
    await server.database.stop();
  }
  await rm(dataDir, { recursive: true, force: true });
}

const ratios: MeasuredRatio[] = [];
const of = (round: number, variant: string, phase: Phase) => measures.find((m) => m.round === round && m.variant === variant && m.phase === phase)!;
for (const variant of VARIANTS.slice(1)) {
  for (const phase of ['reads', 'writes'] as const) {
    const perRound = Array.from({ length: rounds }, (_, r) => [of(r, variant.name, phase), of(r, 'h2', phase)] as const);
    ratios.push(
      ratio(
        `${phase}: ops/s, ${variant.name} / h2`,
        perRound.map(([other, h2]) => other.opsPerSecond / h2.opsPerSecond),
      ),
    );
    ratios.push(
      ratio(
        `${phase}: CPU per op, ${variant.name} / h2`,
        perRound.map(([other, h2]) => other.cpuMsPerOp / h2.cpuMsPerOp),
      ),
    );
  }
}
const summary = VARIANTS.flatMap((variant) =>
  (['reads', 'writes'] as const).map((phase) => {
    const rows = measures.filter((m) => m.variant === variant.name && m.phase === phase);
    return [variant.name, variant.description, phase, round(median(rows.map((m) => m.opsPerSecond))), round(median(rows.map((m) => m.cpuMsPerOp)))];
  }),
);
const result: ScenarioResult = {
  id: 'B',
  title: 'Embedded database storage: H2 file, memory, periodic snapshot, upstream memory backend',
  method: `Each variant is a launcher of its own holding the same data (320 products, 1,600 variants, 40,000 stock levels at 25 locations (ObjectId _ids, as the inventory model has), 5,000 orders; indexes as the models declare). Reads: a product page's database work (the product by _id, its 5 variants by productId, their stock at 25 locations by sku $in x locationId $in: 125 levels). Writes: an order's (a guarded $inc of one stock level that also $pushes a change event, the order inserted with a pending event, the change $pulled again, as the relay does once it has published it). ${workers} concurrent loops for ${WARM_SECONDS} s unmeasured, then ${seconds} s measured, per variant and phase, ${rounds} rounds, the variants' order rotated each round; CPU is the Java process's user+system time over the phase.`,
  tables: [
    { title: 'Medians over the rounds', columns: ['variant', 'what', 'phase', 'ops/s', 'CPU ms/op'], rows: summary },
    {
      title: 'Every measured phase',
      columns: ['round', 'variant', 'phase', 'operations', 'ops/s', 'CPU ms/op'],
      rows: measures.map((m) => [m.round + 1, m.variant, m.phase, m.operations, round(m.opsPerSecond), round(m.cpuMsPerOp)]),
    },
  ],
  ratios,
  notes: [
    ...seeding,
    "The load generator (this Node process) shares the machine with the server: ops/s is bounded by both, CPU per op is the server's alone. The machine is shared with other work, so ops/s swings between rounds; CPU per op, and ratios within a round, are the figures to read.",
  ],
};

const command = `npx tsx bench/src/embedded-backends.ts --seconds ${seconds} --rounds ${rounds} --workers ${workers}${args.variants ? ` --variants ${args.variants}` : ''}${args.baseline ? ` --baseline ${args.baseline}` : ''}${args.profile ? ` --profile ${args.profile}` : ''}`;
const header = runHeader({ repoRoot, command, size: 'full', loadCore: '-' });
await mkdir(args.out!, { recursive: true });
await writeFile(join(args.out!, 'embedded-backends.json'), `${JSON.stringify({ ...header, results: [result] }, null, 2)}\n`);
await writeFile(
  join(args.out!, 'embedded-backends.md'),
  renderMarkdown(header, [result])
    .replace('# Benchmark results (full)', '# Embedded database storage')
    .replace('; load generator pinned to core -', '; load generator not pinned'),
);
log(`wrote ${join(args.out!, 'embedded-backends.md')}${profileDir ? `; profiles in ${profileDir}` : ''}`);
