/** Scenario 1's sizes, its lineup's ids and the issue's targets, shared by the run and its report. */
import type { GatewayRun, GatewayTarget, LoadTiming } from '../../peers/gateway-run.js';
import type { FixtureCounts } from '../../queries.js';

export const SETTINGS = {
  full: { rounds: 3, timing: { warmupSeconds: 4, durationSeconds: 12, connections: 32 }, fixtures: { products: 16, customers: 6, regionChecks: 12 } },
  tiny: { rounds: 1, timing: { warmupSeconds: 1, durationSeconds: 2, connections: 32 }, fixtures: { products: 4, customers: 2, regionChecks: 4 } },
} as const satisfies Record<string, { rounds: number; timing: LoadTiming; fixtures: FixtureCounts }>;

export type Settings = (typeof SETTINGS)[keyof typeof SETTINGS];

export interface Measurement {
  readonly round: number;
  readonly target: GatewayTarget;
  readonly run: GatewayRun;
  /** OTLP bytes the receiver got during the run (traced gateways only). */
  readonly otlpBytes?: number;
}

/** Our gateway traced at these sampling ratios, beside ours with tracing off (the mesh's gateway). */
export const TRACING_RATIOS = [0.1, 1] as const;
export const tracedId = (samplingRatio: number) => `ours-traced-${Math.round(samplingRatio * 100)}`;

/** Issue 11: our gateway with rate limits and trusted-operation checks on keeps this share of its throughput with them off. */
export const GOVERNANCE_TARGET = 0.95;
export const GOVERNED_ID = 'ours-governed';

/** Issue targets against the two Hive peers; other peers are reported without one. */
export const TARGETS: Readonly<Record<string, { throughput?: number; lowerP99?: boolean; rssAtMost?: number }>> = {
  hive: { throughput: 1.5, lowerP99: true, rssAtMost: 0.5 },
  'hive-rust': { throughput: 1.0 },
};
