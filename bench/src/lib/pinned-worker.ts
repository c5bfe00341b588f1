import { spawn } from 'node:child_process';
import { text } from 'node:stream/consumers';
import type { LoadResult } from './load.js';
import { percentile } from './stats.js';

/** The core load generators are pinned to; the services share the machine's other core(s). */
export const LOAD_CORE = process.env['BENCH_LOAD_CORE'] ?? '1';

/**
 * Runs a load worker (a .ts file run through tsx) in its own process pinned to LOAD_CORE with
 * taskset, so it does not share a core's time with what it measures in ways we cannot see. The
 * input goes over stdin as JSON (plans and tokens are too long for argv); the worker's last
 * stdout line is its JSON answer.
 */
export function runPinnedWorker<T>(workerFile: string, input: unknown, label: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn('taskset', ['-c', LOAD_CORE, process.execPath, '--import', 'tsx', workerFile], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) return reject(new Error(`${label} exited ${code}: ${stderr.slice(-2000)}`));
      resolve(JSON.parse(line) as T);
    });
    child.stdin.end(JSON.stringify(input));
  });
}

/** In a worker: its input, as runPinnedWorker sent it. */
export async function readWorkerInput<T>(): Promise<T> {
  return JSON.parse(await text(process.stdin)) as T;
}

/** In a worker: the answer from the latencies it measured over `seconds`. */
export function loadResultOf(measured: { latencies: readonly number[]; errors: number; non2xx: number }, seconds: number): LoadResult {
  const { latencies } = measured;
  return {
    requests: latencies.length,
    requestsPerSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.length === 0 ? Number.NaN : latencies.reduce((max, value) => Math.max(max, value), 0),
    errors: measured.errors,
    non2xx: measured.non2xx,
  };
}
