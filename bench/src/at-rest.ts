/**
 * What the mesh does while nobody asks anything of it: CPU per process kind, database commands per
 * service and queries per collection over a quiet window, after start-up work has settled. The
 * at-rest target of the intake issue (the whole mesh under 2% of one core) is read from this.
 *
 *   npx tsx bench/src/at-rest.ts --seconds 60 [--settle 90]
 *
 * Settle long enough: for about a minute after start-up V8 keeps collecting the start-up garbage
 * (its memory reducer), which measured 5.1% of a core for the mesh after 15 s against 2.55% after 90 s.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { startMesh } from '@mesh/mesh-runner';
import { cpuSecondsByRole } from './lib/process-stats.js';
import { embeddedStatsClient, readDatabaseWork, untilQuiet, workBetween } from './lib/flash-sale.js';
import { round } from './lib/stats.js';

const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '60' }, settle: { type: 'string', default: '90' } } });
const seconds = Number(args.seconds);
const dataDir = await mkdtemp(join(tmpdir(), 'mesh-at-rest-'));
const mesh = await startMesh({ persistent: false, dataDir, env: { NODE_ENV: 'test', LOG_LEVEL: 'error' }, log: () => {} });
const mongo = await embeddedStatsClient(mesh);
try {
  await untilQuiet(mesh);
  await sleep(Number(args.settle) * 1000);
  const before = { cpu: await cpuSecondsByRole(process.pid), work: await readDatabaseWork(mesh, mongo) };
  await sleep(seconds * 1000);
  const after = { cpu: await cpuSecondsByRole(process.pid), work: await readDatabaseWork(mesh, mongo) };
  const work = workBetween(before.work, after.work);
  // The runner itself (this script) is not part of the mesh.
  const shares = Object.entries(after.cpu)
    .filter(([role]) => role !== 'bench runner')
    .map(([role, cpu]) => [role, ((cpu - (before.cpu[role] ?? 0)) / seconds) * 100] as const)
    .sort(([, a], [, b]) => b - a);
  const perMinute = (count: number) => round((count / seconds) * 60);
  const busiest = (counts: Readonly<Record<string, number>>) =>
    Object.entries(counts)
      .filter(([, count]) => count > 0)
      .sort(([, a], [, b]) => b - a)
      .map(([name, count]) => `${name} ${perMinute(count)}`)
      .join(', ');
  console.log(`At rest over ${seconds} s (after ${args.settle} s settling):`);
  console.log(`  whole mesh: ${round(shares.reduce((sum, [, share]) => sum + share, 0))}% of one core`);
  console.log(`  per process kind (%): ${shares.map(([role, share]) => `${role} ${round(share)}`).join(', ')}`);
  console.log(`  database commands per minute by service: ${busiest(work.commandsByService)}`);
  console.log(`  queries per minute by collection: ${busiest(work.queriesByCollection)}`);
  console.log(`  documents examined per minute by collection: ${busiest(work.examinedByCollection)}`);
} finally {
  await mongo?.close();
  await mesh.stop();
  await rm(dataDir, { recursive: true, force: true });
}
