/**
 * Scenario 2's sequential load: `connections` loops, each running one query plan at a time (the
 * gateway's one POST, or the replayed subgraph fetch waves), in a separate process pinned to the
 * load core like runLoad's autocannon, so both sides of the four-hop comparison share one client.
 */
import { fileURLToPath } from 'node:url';
import type { PlanNode, ServiceTarget } from './federation-replay.js';
import type { LoadPacing, LoadResult } from './load.js';
import { runPinnedWorker } from './pinned-worker.js';

export interface ReplayLoadSpec extends LoadPacing {
  readonly plan: PlanNode;
  readonly services: Readonly<Record<string, ServiceTarget>>;
  /** One variables object per request, in rotation. */
  readonly variables: readonly Readonly<Record<string, unknown>>[];
}

const worker = fileURLToPath(new URL('./federation-replay-worker.ts', import.meta.url));

export function runReplayLoad(spec: ReplayLoadSpec): Promise<LoadResult> {
  return runPinnedWorker<LoadResult>(worker, spec, 'replay worker');
}
