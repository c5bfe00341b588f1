/**
 * Scenario 2's sequential load: `connections` loops, each running one query plan at a time (the
 * gateway's one POST, or the replayed subgraph fetch waves), in a separate process pinned to the
 * load core like runLoad's autocannon, so both sides of the four-hop comparison share one client.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PlanNode, ServiceTarget } from './federation-replay.js';
import { LOAD_CORE, type LoadResult } from './load.js';

export interface ReplayLoadSpec {
  readonly plan: PlanNode;
  readonly services: Readonly<Record<string, ServiceTarget>>;
  /** One variables object per request, in rotation. */
  readonly variables: readonly Readonly<Record<string, unknown>>[];
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
}

const worker = fileURLToPath(new URL('./federation-replay-worker.ts', import.meta.url));

export function runReplayLoad(spec: ReplayLoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('taskset', ['-c', LOAD_CORE, process.execPath, '--import', 'tsx', worker], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) return reject(new Error(`replay worker exited ${code}: ${stderr.slice(-2000)}`));
      resolve(JSON.parse(line) as LoadResult);
    });
    // The spec goes over stdin: plans and tokens are too long for a comfortable argv.
    child.stdin.end(JSON.stringify(spec));
  });
}
