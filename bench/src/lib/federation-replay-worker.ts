/**
 * The process runReplayLoad starts (pinned to the load core): reads a ReplayLoadSpec on stdin,
 * runs its plan in `connections` concurrent loops for the warm-up, then for the counted
 * duration, and prints one LoadResult line. A failed request counts as an error, not a latency.
 */
import { Agent } from 'node:http';
import { loadResultOf, readWorkerInput } from './pinned-worker.js';
import { replayPlan } from './federation-replay.js';
import type { ReplayLoadSpec } from './federation-replay-load.js';
import type { LoadResult } from './load.js';

const spec = await readWorkerInput<ReplayLoadSpec>();
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
const out: LoadResult = loadResultOf({ latencies, errors, non2xx: 0 }, spec.durationSeconds);
agent.destroy();
process.stdout.write(`${JSON.stringify(out)}\n`);
