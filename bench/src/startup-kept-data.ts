/**
 * Start-up on a kept `.data/`: runs `npx tsx scripts/run-mesh.ts` until it prints "Retail mesh ready
 * in N s", reads each process's CPU seconds at that moment, stops it with SIGINT, and repeats.
 * `--builds` alternates launcher builds (folders of compiled classes) round by round, so that a
 * before/after comparison shares the machine's load:
 *
 *   npx tsx bench/src/startup-kept-data.ts [--rounds 3] [--builds old=/tmp/old/classes,new=/tmp/new/classes]
 *     [--data-per-build] [--no-slow-log] [--out file.md]
 *
 * `.data/` must already hold the replayed history (one `npm start` or run of run-mesh.ts before).
 * With `--builds` the launcher's target/classes is replaced by each build in turn; the last one
 * named stays there. `--data-per-build` gives each build its own kept store, `.data-bench-<name>/`
 * (MESH_DATA_DIR), seeded and replayed by that build in an unmeasured first start when its history
 * marker is missing: a launcher from before the BSON store cannot read a newer one's file.
 * `--overlays before=/tmp/a,after=/tmp/b` also swaps built service code per build: each folder three
 * levels below an overlay (`subgraphs/inventory/dist`) replaces the worktree's, so Node-side changes
 * are compared side by side too.
 * `--no-slow-log` turns the launcher's slow-query log off (MESH_DB_SLOW_MS=-1): launchers from before
 * it reject `--slow-ms`.
 */
import { spawn } from 'node:child_process';
import { cp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MongoClient } from 'mongodb';
import { cpuSecondsByRole } from './lib/process-stats.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    builds: { type: 'string' },
    out: { type: 'string' },
    'data-per-build': { type: 'boolean', default: false },
    overlays: { type: 'string' },
    'no-slow-log': { type: 'boolean', default: false },
  },
});
const rounds = Number(args.rounds);
const log = (line: string) => process.stderr.write(`[startup] ${line}\n`);
const classesDir = join('packages', 'embedded-mongo', 'launcher', 'target', 'classes');

interface Build {
  readonly name: string;
  readonly classes?: string;
}

interface Start {
  readonly build: string;
  readonly round: number;
  readonly wallSeconds: number;
  readonly readyInSeconds: number;
  readonly load: number;
  readonly cpu: Record<string, number>;
  /** Collections whose indexes were built by the time the mesh was ready (launchers that count them). */
  readonly built?: number;
  readonly collections?: number;
}

/** How many collections had built their indexes (meshQueryStats' indexBuilds), of how many known. */
async function indexBuildsAt(output: string): Promise<{ built?: number; collections?: number }> {
  const port = /database: .* on 127\.0\.0\.1:(\d+)/.exec(output)?.[1];
  if (!port) return {};
  const client = await new MongoClient(`mongodb://127.0.0.1:${port}`, { directConnection: true }).connect();
  try {
    // Launchers from before meshQueryStats answer "no such command".
    const stats = await client
      .db('admin_stats')
      .command({ meshQueryStats: 1 })
      .catch(() => undefined);
    if (!stats) return {};
    const namespaces = Object.values(stats['namespaces'] as Record<string, { indexBuilds?: number }>);
    if (namespaces.every((counters) => counters.indexBuilds === undefined)) return {};
    return { built: namespaces.filter((counters) => (counters.indexBuilds ?? 0) > 0).length, collections: namespaces.length };
  } finally {
    await client.close();
  }
}

const builds: Build[] = args.builds
  ? args.builds.split(',').map((entry) => {
      const [name, classes] = entry.split('=');
      if (!name || !classes) throw new Error(`--builds wants name=folder pairs, not ${entry}`);
      return { name, classes };
    })
  : [{ name: 'current' }];

const overlays = new Map(
  (args.overlays ?? '')
    .split(',')
    .filter(Boolean)
    .map((entry) => entry.split('=') as [string, string]),
);

/** Replaces each `<a>/<b>/<c>` folder of the build's overlay (`subgraphs/inventory/dist`) in the worktree. */
async function installOverlay(build: Build): Promise<void> {
  const overlay = overlays.get(build.name);
  if (!overlay) return;
  for (const a of await readdir(overlay)) {
    for (const b of await readdir(join(overlay, a))) {
      for (const c of await readdir(join(overlay, a, b))) {
        await rm(join(a, b, c), { recursive: true, force: true });
        await cp(join(overlay, a, b, c), join(a, b, c), { recursive: true });
      }
    }
  }
}

/** Puts a build's classes where the launcher runs them from, newer than the sources so nothing recompiles them. */
async function install(build: Build): Promise<void> {
  await installOverlay(build);
  if (!build.classes) return;
  await rm(classesDir, { recursive: true, force: true });
  await cp(build.classes, classesDir, { recursive: true });
  const now = new Date(Date.now() + 60_000);
  await utimes(join(classesDir, 'EmbeddedMongo.class'), now, now);
}

/** The kept store a build starts on: its own with --data-per-build, else MESH_DATA_DIR or `.data/`. */
const dataDirOf = (build: Build) => (args['data-per-build'] ? `.data-bench-${build.name}` : (process.env['MESH_DATA_DIR'] ?? '.data'));

function meshEnvironment(build: Build): NodeJS.ProcessEnv {
  return {
    ...process.env,
    MESH_DATA_DIR: dataDirOf(build),
    ...(args['no-slow-log'] ? { MESH_DB_SLOW_MS: '-1' } : {}),
  };
}

/** Whether a build's store holds a finished history replay (run-mesh's marker says done). */
async function seeded(build: Build): Promise<boolean> {
  const marker = await readFile(join(dataDirOf(build), 'history-seeding.json'), 'utf8').catch(() => '');
  return marker.includes('"done"');
}

/** One start of the mesh on the kept `.data/`, stopped once ready. */
async function startOnce(build: Build, round: number): Promise<Start> {
  await install(build);
  const load = loadavg()[0] ?? 0;
  const started = Date.now();
  // Its own process group, stopped as a terminal's Ctrl-C would: SIGINT to the whole group.
  const runner = spawn('npx', ['tsx', 'scripts/run-mesh.ts'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: meshEnvironment(build),
  });
  let output = '';
  const ready = await new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Retail mesh ready in ([\d.]+) s/.exec(output);
      if (match) resolve(Number(match[1]));
    };
    runner.stdout.on('data', onData);
    runner.stderr.on('data', onData);
    runner.once('exit', (code) => reject(new Error(`run-mesh exited (${code}) before ready:\n${output.slice(-2000)}`)));
  });
  const wallSeconds = (Date.now() - started) / 1000;
  const cpu = await cpuSecondsByRole(runner.pid!);
  const builds = await indexBuildsAt(output);
  const stopped = new Promise((resolve) => runner.once('exit', resolve));
  process.kill(-runner.pid!, 'SIGINT');
  await stopped;
  return { build: build.name, round, wallSeconds, readyInSeconds: ready, load, cpu, ...builds };
}

if (args['data-per-build']) {
  for (const build of builds) {
    if (await seeded(build)) continue;
    log(`${build.name}: seeding ${dataDirOf(build)} (unmeasured)`);
    const seeding = await startOnce(build, 0);
    log(`${build.name}: seeded, ready in ${seeding.readyInSeconds} s`);
  }
}

const starts: Start[] = [];
for (let round = 1; round <= rounds; round++) {
  for (const build of builds) {
    const start = await startOnce(build, round);
    log(
      `${build.name} round ${round}: ready in ${start.readyInSeconds} s (launch to ready ${start.wallSeconds.toFixed(1)} s), database CPU ${start.cpu['database']?.toFixed(2)} s, load ${start.load.toFixed(1)}`,
    );
    starts.push(start);
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const lines = [
  `Command: \`npx tsx bench/src/startup-kept-data.ts --rounds ${rounds}${args.builds ? ` --builds ${args.builds}` : ''}${args['data-per-build'] ? ' --data-per-build' : ''}${args['no-slow-log'] ? ' --no-slow-log' : ''}${args.overlays ? ` --overlays ${args.overlays}` : ''}\``,
  '',
  '| round | build | "ready in" | launch to ready | database CPU at ready | all CPU at ready | collections built / queried by ready | load (1 min) |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ...starts.map((start) => {
    const all = Object.values(start.cpu).reduce((sum, seconds) => sum + seconds, 0);
    return `| ${start.round} | ${start.build} | ${start.readyInSeconds.toFixed(1)} s | ${start.wallSeconds.toFixed(1)} s | ${(start.cpu['database'] ?? 0).toFixed(2)} s | ${all.toFixed(2)} s | ${start.built === undefined ? 'n/a' : `${start.built} / ${start.collections}`} | ${start.load.toFixed(1)} |`;
  }),
  '',
  ...builds.map((build) => {
    const mine = starts.filter((start) => start.build === build.name);
    return `- ${build.name}: median "ready in" ${median(mine.map((start) => start.readyInSeconds)).toFixed(1)} s, median database CPU ${median(mine.map((start) => start.cpu['database'] ?? 0)).toFixed(2)} s`;
  }),
];
const report = lines.join('\n');
if (args.out) await writeFile(args.out, `${report}\n`);
console.log(report);
