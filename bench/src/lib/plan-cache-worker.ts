/**
 * The process runSequenceLoad starts (pinned to the load core): reads a SequenceLoadSpec on stdin,
 * runs the warm-up then the counted duration, prints one LoadResult line. An answer with GraphQL
 * errors counts as an error, not a latency.
 */
import { Agent } from 'node:http';
import { randomBytes } from 'node:crypto';
import { loadResultOf, readWorkerInput } from './pinned-worker.js';
import { postGraphql } from './federation-replay.js';
import type { LoadResult } from './load.js';
import { UNIQUE, type SequenceLoadSpec } from './plan-cache-load.js';

const spec = await readWorkerInput<SequenceLoadSpec>();
const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
const target = { url: spec.url, headers: spec.headers };
// A run-specific prefix: tokens never repeat across runs, so a later run cannot hit an earlier one's plans.
const prefix = `u${randomBytes(6).toString('hex')}n`;
let sent = 0;

function nextBody(): string {
  const index = sent++;
  if (spec.template !== undefined) return spec.template.replaceAll(UNIQUE, `${prefix}${index}`);
  const bodies = spec.bodies ?? [];
  const sequence = spec.sequence ?? bodies.map((_, position) => position);
  return bodies[sequence[index % sequence.length]!]!;
}

async function phase(seconds: number): Promise<{ latencies: number[]; errors: number; non2xx: number }> {
  const latencies: number[] = [];
  let errors = 0;
  const until = performance.now() + seconds * 1000;
  const loop = async () => {
    while (performance.now() < until) {
      const body = nextBody();
      const started = performance.now();
      try {
        const answer = await postGraphql(agent, target, body);
        if (Array.isArray(answer['errors']) || !answer['data']) errors++;
        else latencies.push(performance.now() - started);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: spec.connections }, loop));
  return { latencies, errors, non2xx: 0 };
}

if (spec.warmupSeconds > 0) await phase(spec.warmupSeconds);
const { latencies, errors, non2xx } = await phase(spec.durationSeconds);
const out: LoadResult = loadResultOf({ latencies, errors, non2xx: non2xx }, spec.durationSeconds);
agent.destroy();
process.stdout.write(`${JSON.stringify(out)}\n`);
