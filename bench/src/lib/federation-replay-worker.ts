/**
 * The process runReplayLoad starts (pinned to the load core): reads a ReplayLoadSpec on stdin,
 * runs its plan in `connections` concurrent loops for the warm-up, then for the counted
 * duration, and prints one LoadResult line. A failed request counts as an error, not a latency.
 */
import { Agent } from 'node:http';
import { text } from 'node:stream/consumers';
import { replayPlan } from './federation-replay.js';
import type { ReplayLoadSpec } from './federation-replay-load.js';
import type { LoadResult } from './load.js';
import { percentile } from './stats.js';

const spec = JSON.parse(await text(process.stdin)) as ReplayLoadSpec;
const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });

async function phase(seconds: number): Promise<{ latencies: number[]; errors: number }> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const until = performance.now() + seconds * 1000;
  const loop = async () => {
    while (performance.now() < until) {
      const variables = spec.variables[next++ % spec.variables.length] ?? {};
      const started = performance.now();
      try {
        await replayPlan(spec.plan, variables, spec.services, agent);
        latencies.push(performance.now() - started);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: spec.connections }, loop));
  return { latencies, errors };
}

if (spec.warmupSeconds > 0) await phase(spec.warmupSeconds);
const { latencies, errors } = await phase(spec.durationSeconds);
const out: LoadResult = {
  requests: latencies.length,
  requestsPerSecond: latencies.length / spec.durationSeconds,
  p50Ms: percentile(latencies, 50),
  p99Ms: percentile(latencies, 99),
  maxMs: latencies.length === 0 ? Number.NaN : latencies.reduce((max, value) => Math.max(max, value), 0),
  errors,
  non2xx: 0,
};
agent.destroy();
process.stdout.write(`${JSON.stringify(out)}\n`);
