/** Scenario 6's sizes, pacing and the rows a run records, shared by the run and its report. */
import type { BenchContext } from '../../lib/scenario.js';
import type { Load, PhaseOutcome, Side } from '../../lib/fan-out-phases.js';
import type { ProcessTreeSample } from '../../lib/process-stats.js';

export const SIZES = {
  tiny: { subscribers: [50, 200], steadyMovements: 3, burstMovements: 10, rounds: 1, steadyDrainMs: 10_000, burstDrainMs: 10_000, distinctMovements: 60 },
  full: { subscribers: [1000, 5000], steadyMovements: 10, burstMovements: 100, rounds: 3, steadyDrainMs: 10_000, burstDrainMs: 20_000, distinctMovements: 300 },
} as const;
/**
 * The size of a run; for profiling, BENCH_S6_SUBSCRIBERS (one count, e.g. 1000) and BENCH_S6_BURST
 * (movements in the burst) replace the size's own.
 */
export function sizeOf(size: BenchContext['size']) {
  const subscribers = Number(process.env['BENCH_S6_SUBSCRIBERS'] ?? 0);
  const burst = Number(process.env['BENCH_S6_BURST'] ?? 0);
  return { ...SIZES[size], ...(subscribers > 0 ? { subscribers: [subscribers] } : {}), ...(burst > 0 ? { burstMovements: burst } : {}) };
}
/** Movements per second over the distinct SKUs (a store network's steady trickle, spread over many products). */
export const DISTINCT_PER_SECOND = 20;
export const STEADY_INTERVAL_MS = 1000;
/** Burst mutations in flight at once (a few tills and a goods-in scanner at the same time). */
export const BURST_IN_FLIGHT = 8;
/** Longest wait for the gateway replica to go quiet (a late backlog written out) before a phase. */
export const IDLE_WAIT_MS = 10_000;

/** The gateway replica's limits: thousands of sockets from 127.0.0.1 under one associate subject. */
export const REPLICA_ENV = {
  WS_MAX_SOCKETS_PER_CLIENT: '10000',
  // Opening thousands of sockets keeps a 2-core machine busy; the default 3 s could end honest ones.
  WS_CONNECTION_INIT_TIMEOUT_MS: '30000',
};

export interface PhaseRow extends PhaseOutcome {
  readonly subscribers: number;
  /** 1..rounds for the alternating 1/s rounds; the burst runs once per subscriber count (round 0). */
  readonly round: number;
  readonly side: Side;
  readonly load: Load;
  /** Whether the gateway replica was quiet when the phase started. */
  readonly startedIdle: boolean;
}

export interface MemoryRow {
  readonly subscribers: number;
  readonly connectMs: number;
  readonly gatewayBefore: ProcessTreeSample;
  readonly gatewayAfter: ProcessTreeSample;
  readonly gatewayEnd: ProcessTreeSample;
  readonly inventoryBefore: ProcessTreeSample;
  readonly inventoryAfter: ProcessTreeSample;
  readonly inventoryEnd: ProcessTreeSample;
  /** Deliveries of ours over the measured phases (the CPU between After and End went to them). */
  readonly oursDeliveries: number;
}
