import { isDeepStrictEqual } from 'node:util';
import { runLoad, type LoadResult } from '../lib/load.js';
import { sampleProcessTree } from '../lib/process-stats.js';

/** One gateway under load: ours or a peer, with how a request authenticates to it. */
export interface GatewayTarget {
  readonly id: string;
  readonly label: string;
  readonly url: string;
  readonly pid: number;
  readonly version: string;
  readonly workers: string;
  /** Headers for the next run, freshly signed (the subgraph credential lives 120 s). */
  headers(): Promise<Record<string, string>>;
}

export interface LoadTiming {
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  readonly connections: number;
}

export interface GatewayRun extends LoadResult {
  /** CPU seconds (user + system) of the gateway's process tree during the measured part. */
  readonly cpuSeconds: number;
  readonly cpuSecondsPer1000: number;
  /** The highest RSS of the process tree sampled during the measured part, in MiB. */
  readonly peakRssMiB: number;
}

const RSS_SAMPLE_MS = 250;

/**
 * Warm-up and measurement as two load runs, so the CPU counted is the measured part's only.
 * Peak RSS is sampled while the measurement runs rather than read from the kernel's high-water
 * mark, which would carry whatever the process did before (our gateway replayed the order history).
 */
export async function measureGateway(target: GatewayTarget, bodies: readonly string[], timing: LoadTiming): Promise<GatewayRun> {
  const headers = await target.headers();
  const spec = { url: target.url, bodies, headers, connections: timing.connections, warmupSeconds: 0, staggerConnections: true };
  if (timing.warmupSeconds > 0) await runLoad({ ...spec, durationSeconds: timing.warmupSeconds });
  const before = await sampleProcessTree(target.pid);
  let peakRssMiB = before.rssMiB;
  const sampler = setInterval(() => {
    void sampleProcessTree(target.pid).then((sample) => (peakRssMiB = Math.max(peakRssMiB, sample.rssMiB)));
  }, RSS_SAMPLE_MS);
  let result: LoadResult;
  try {
    result = await runLoad({ ...spec, durationSeconds: timing.durationSeconds });
  } finally {
    clearInterval(sampler);
  }
  const after = await sampleProcessTree(target.pid);
  peakRssMiB = Math.max(peakRssMiB, after.rssMiB);
  const cpuSeconds = after.cpuSeconds - before.cpuSeconds;
  return { ...result, cpuSeconds, cpuSecondsPer1000: result.requests > 0 ? (cpuSeconds / result.requests) * 1000 : Number.NaN, peakRssMiB };
}

export interface GraphqlAnswer {
  readonly status: number;
  readonly data: unknown;
  readonly errors: readonly { message: string }[] | undefined;
}

export async function postGraphql(url: string, headers: Readonly<Record<string, string>>, body: string): Promise<GraphqlAnswer> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await response.text();
  try {
    const parsed = JSON.parse(text) as { data?: unknown; errors?: { message: string }[] };
    return { status: response.status, data: parsed.data ?? null, errors: parsed.errors };
  } catch {
    return { status: response.status, data: null, errors: [{ message: `not JSON: ${text.slice(0, 200)}` }] };
  }
}

/** Where two answers first differ, as a path and both values (short), or undefined when they are equal. */
export function firstDifference(expected: unknown, actual: unknown, path = 'data'): string | undefined {
  if (isDeepStrictEqual(expected, actual)) return undefined;
  const short = (value: unknown) => (JSON.stringify(value) ?? 'undefined').slice(0, 160);
  if (expected && actual && typeof expected === 'object' && typeof actual === 'object' && Array.isArray(expected) === Array.isArray(actual)) {
    if (Array.isArray(expected) && Array.isArray(actual) && expected.length !== actual.length) {
      return `${path}: ${expected.length} items vs ${actual.length}`;
    }
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const key of keys) {
      const found = firstDifference(
        (expected as Record<string, unknown>)[key],
        (actual as Record<string, unknown>)[key],
        Array.isArray(expected) ? `${path}[${key}]` : `${path}.${key}`,
      );
      if (found) return found;
    }
  }
  return `${path}: ours ${short(expected)} vs ${short(actual)}`;
}
