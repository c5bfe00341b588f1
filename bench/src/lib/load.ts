import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** One HTTP load run: POSTs the bodies in rotation over `connections` keep-alive connections. */
export interface LoadSpec {
  readonly url: string;
  readonly bodies: readonly string[];
  readonly headers: Readonly<Record<string, string>>;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  /**
   * Start each connection at a different body of the rotation. Without it every connection sends
   * bodies[0], bodies[1], ... in lock-step, so identical requests are in flight together, which
   * flatters gateways that deduplicate in-flight subgraph fetches.
   */
  readonly staggerConnections?: boolean;
}

export interface LoadResult {
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly errors: number;
  readonly non2xx: number;
}

const worker = fileURLToPath(new URL('./load-worker.ts', import.meta.url));
/** The core the load generator is pinned to; the services share the machine's other core(s). */
export const LOAD_CORE = process.env['BENCH_LOAD_CORE'] ?? '1';

/** Runs autocannon in a separate process pinned to LOAD_CORE (taskset) and answers its result. */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('taskset', ['-c', LOAD_CORE, process.execPath, '--import', 'tsx', worker, JSON.stringify(spec)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) return reject(new Error(`load worker exited ${code}: ${stderr.slice(-2000)}`));
      resolve(JSON.parse(line) as LoadResult);
    });
  });
}
