/**
 * Scenario 4's load: POSTs to one URL from `connections` loops sharing one global sequence, in a
 * separate process pinned to the load core. Unlike autocannon (each connection walks the body
 * list from its own start, so ten connections send each body ten times), every request here
 * takes the next body of one sequence, or a never-sent-before body made from a template: what a
 * plan cache sees is exactly the sequence.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LOAD_CORE, type LoadResult } from './load.js';

export interface SequenceLoadSpec {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Either bodies sent in the order of `sequence` (indices into `bodies`, cycled)... */
  readonly bodies?: readonly string[];
  readonly sequence?: readonly number[];
  /** ...or a body template whose UNIQUE placeholder gets a new token (letters and digits) per request. */
  readonly template?: string;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
}

export const UNIQUE = '__UNIQUE__';

const worker = fileURLToPath(new URL('./plan-cache-worker.ts', import.meta.url));

export function runSequenceLoad(spec: SequenceLoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('taskset', ['-c', LOAD_CORE, process.execPath, '--import', 'tsx', worker], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) return reject(new Error(`sequence load worker exited ${code}: ${stderr.slice(-2000)}`));
      resolve(JSON.parse(line) as LoadResult);
    });
    child.stdin.end(JSON.stringify(spec));
  });
}
