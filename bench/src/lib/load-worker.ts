/**
 * The load generator's own process (the runner starts it pinned to one core with taskset, so
 * it does not share a core's time with what it measures in ways we cannot see). Reads one JSON
 * LoadSpec from stdin, runs autocannon, prints one JSON LoadResult line.
 */
import autocannon from 'autocannon';
import type { LoadSpec, LoadResult } from './load.js';
import { readWorkerInput } from './pinned-worker.js';

const spec = await readWorkerInput<LoadSpec>();

const requests = spec.bodies.map((body) => ({ method: 'POST' as const, body }));
let clients = 0;
/** With staggerConnections, connection k starts its rotation at body k * n / connections. */
const stagger = (client: autocannon.Client) => {
  const offset = Math.floor((clients++ * requests.length) / Math.max(1, spec.connections)) % Math.max(1, requests.length);
  client.setRequests([...requests.slice(offset), ...requests.slice(0, offset)].map((request) => ({ ...request })));
};

const run = (seconds: number) =>
  new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        method: 'POST',
        connections: spec.connections,
        duration: seconds,
        pipelining: 1,
        headers: { 'content-type': 'application/json', ...spec.headers },
        requests,
        ...(spec.staggerConnections ? { setupClient: stagger } : {}),
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    autocannon.track(instance, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false });
  });

if (spec.warmupSeconds > 0) await run(spec.warmupSeconds);
const result = await run(spec.durationSeconds);
const out: LoadResult = {
  requests: result.requests.total,
  requestsPerSecond: result.requests.total / spec.durationSeconds,
  p50Ms: result.latency.p50,
  p99Ms: result.latency.p99,
  maxMs: result.latency.max,
  errors: result.errors + result.timeouts,
  non2xx: result.non2xx,
};
process.stdout.write(`${JSON.stringify(out)}\n`);
