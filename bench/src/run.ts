/**
 * `npm run bench`: starts one mesh (embedded MongoDB-wire server, nats-server, the five subgraphs
 * and our gateway as processes, a short order history replayed through the workflows), runs the
 * chosen scenarios one after another, and writes bench/results/<size>.json and .md.
 *
 *   npx tsx bench/src/run.ts [--size full|tiny] [--scenarios 1,2,3] [--out bench/results] [--baseline-ref <commit>]
 *      [--storage memory|file]
 *
 * --storage: where the embedded database keeps its documents. `memory` (the default here, as in
 * every result so far) holds them all as objects on its heap; `file` is what `npm start` runs, an
 * H2 file with a bounded page cache.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startMesh } from '@mesh/mesh-runner';
import { readInternalSecret, signGatewayCredential } from '@mesh/server-kit';
import { principals } from '@mesh/test-kit';
import { signDevToken } from '@mesh/gateway';
import { LOAD_CORE } from './lib/load.js';
import { runHeader, writeResults } from './lib/report.js';
import type { BenchContext, BenchSize, ScenarioResult } from './lib/scenario.js';
import { SCENARIOS } from './scenarios/index.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const { values: args } = parseArgs({
  options: {
    size: { type: 'string', default: 'full' },
    scenarios: { type: 'string', default: SCENARIOS.map((scenario) => scenario.id).join(',') },
    out: { type: 'string', default: join(repoRoot, 'bench/results') },
    'baseline-ref': { type: 'string' },
    storage: { type: 'string', default: 'memory' },
  },
});
if (args.storage !== 'memory' && args.storage !== 'file') throw new Error(`--storage must be memory or file, got ${args.storage}`);
if (args.size !== 'full' && args.size !== 'tiny') throw new Error(`--size must be full or tiny, got ${args.size}`);
const size: BenchSize = args.size;
const chosen = args.scenarios!.split(',').map((id) => id.trim());
const unknown = chosen.filter((id) => !SCENARIOS.some((scenario) => scenario.id === id));
if (unknown.length > 0) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.id).join(', ')}`);

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const dataDir = await mkdtemp(join(tmpdir(), 'bench-mesh-'));
const workRoot = join(repoRoot, 'bench/.work', new Date().toISOString().replace(/[:.]/g, '-'));
const secret = new TextEncoder().encode(readInternalSecret({ NODE_ENV: 'test' }));

log(`starting the mesh (${size})...`);
const mesh = await startMesh({
  persistent: args.storage === 'file',
  dataDir,
  env: { NODE_ENV: 'test', LOG_LEVEL: 'error' },
  log: () => {},
  history: { size: size === 'full' ? 'small' : 40, adminToken: () => signDevToken(principals.admin) },
});
const results: ScenarioResult[] = [];
try {
  for (const scenario of SCENARIOS.filter((candidate) => chosen.includes(candidate.id))) {
    const workDir = join(workRoot, scenario.id);
    await mkdir(workDir, { recursive: true });
    const context: BenchContext = {
      size,
      mesh,
      bearerFor: (principal) => signDevToken(principal),
      internalCredentialFor: (principal) => signGatewayCredential(principal, secret),
      workDir,
      ...(args['baseline-ref'] ? { baselineRef: args['baseline-ref'] } : {}),
      log: (line) => log(`${scenario.id}: ${line}`),
    };
    log(`scenario ${scenario.id}: ${scenario.title}`);
    const started = Date.now();
    results.push(await scenario.run(context));
    log(`scenario ${scenario.id} done in ${Math.round((Date.now() - started) / 1000)} s`);
  }
} finally {
  await mesh.stop();
  await rm(dataDir, { recursive: true, force: true });
}
// Scenario knobs set in the environment (BENCH_S6_SUBSCRIBERS...) change what ran: they belong to the command.
const knobs = Object.entries(process.env)
  .filter(([name]) => /^BENCH_S\d+_/.test(name))
  .map(([name, value]) => `${name}=${value} `)
  .join('');
const command = `${knobs}npm run bench -- --size ${size}${args.scenarios === SCENARIOS.map((s) => s.id).join(',') ? '' : ` --scenarios ${args.scenarios}`}${args['baseline-ref'] ? ` --baseline-ref ${args['baseline-ref']}` : ''}${args.storage === 'memory' ? '' : ` --storage ${args.storage}`}`;
const header = runHeader({ repoRoot, command, size, loadCore: LOAD_CORE });
const written = await writeResults(args.out!, header, results);
log(`wrote ${written.json} and ${written.markdown}`);
