import { fileURLToPath } from 'node:url';
import { runPinnedWorker } from './pinned-worker.js';

export { LOAD_CORE } from './pinned-worker.js';

/** How hard and how long a load runs: requests in flight, then an unmeasured warm-up before the measured part. */
export interface LoadPacing {
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
}

/** One HTTP load run: POSTs the bodies in rotation over `connections` keep-alive connections. */
export interface LoadSpec extends LoadPacing {
  readonly url: string;
  readonly bodies: readonly string[];
  readonly headers: Readonly<Record<string, string>>;
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

/** Runs autocannon in a separate process pinned to LOAD_CORE (taskset) and answers its result. */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return runPinnedWorker<LoadResult>(worker, spec, 'load worker');
}
