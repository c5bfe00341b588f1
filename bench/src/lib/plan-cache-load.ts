/**
 * Scenario 4's load: POSTs to one URL from `connections` loops sharing one global sequence, in a
 * separate process pinned to the load core. Unlike autocannon (each connection walks the body
 * list from its own start, so ten connections send each body ten times), every request here
 * takes the next body of one sequence, or a never-sent-before body made from a template: what a
 * plan cache sees is exactly the sequence.
 */
import { fileURLToPath } from 'node:url';
import type { LoadResult } from './load.js';
import { runPinnedWorker } from './pinned-worker.js';

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
  return runPinnedWorker<LoadResult>(worker, spec, 'sequence load worker');
}
