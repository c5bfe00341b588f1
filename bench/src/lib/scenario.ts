import type { RunningMesh } from '@mesh/mesh-runner';
import type { Principal } from '@mesh/server-kit';

/** How big a run is: `tiny` proves a scenario still works (the test suite), `full` is the measured run. */
export type BenchSize = 'tiny' | 'full';

/** What every scenario gets from the runner: one mesh (seeded, with a short order history) and helpers. */
export interface BenchContext {
  readonly size: BenchSize;
  readonly mesh: RunningMesh;
  /** A gateway bearer token for a principal (dev-signed, as the end-to-end tests use). */
  bearerFor(principal: Principal): Promise<string>;
  /**
   * The internal credential a subgraph expects from a gateway (x-mesh-principal), for peers and
   * direct subgraph calls: peers forward it as a client header, since they cannot sign it.
   */
  internalCredentialFor(principal: Principal): Promise<string>;
  /**
   * A commit to run beside this checkout where a scenario compares builds (--baseline-ref; scenario
   * 6 builds that commit's gateway and runs its distinct-SKU phase against both, alternating).
   */
  readonly baselineRef?: string;
  /** A folder of this run for configs and logs (bench/.work/<run>/<scenario>). */
  readonly workDir: string;
  log(line: string): void;
}

export interface ResultTable {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly (string | number)[])[];
}

/** A ratio measured side by side: one value per alternating A/B round, and their median. */
export interface MeasuredRatio {
  readonly name: string;
  readonly perRound: readonly number[];
  readonly median: number;
  /** The target in words (">= 1.5"), and whether the median meets it; absent where none is set. */
  readonly target?: string;
  readonly met?: boolean;
}

export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  /** What was compared and how, in a sentence or two (goes above the tables). */
  readonly method: string;
  readonly tables: readonly ResultTable[];
  readonly ratios: readonly MeasuredRatio[];
  /** Peers that could not run, limits met on the way, what a reader must know. */
  readonly notes: readonly string[];
}

export interface Scenario {
  readonly id: string;
  readonly title: string;
  run(context: BenchContext): Promise<ScenarioResult>;
}

export function ratio(name: string, perRound: readonly number[], target?: { text: string; met: (median: number) => boolean }): MeasuredRatio {
  const sorted = [...perRound].sort((a, b) => a - b);
  const median = sorted.length === 0 ? Number.NaN : sorted[Math.ceil(sorted.length / 2) - 1]!;
  return { name, perRound, median, ...(target ? { target: target.text, met: target.met(median) } : {}) };
}
