import type { Registry } from 'prom-client';
import { histogramQuantile, readRegisteredGauge, readRegisteredHistogram } from './histogram-reading.js';

/**
 * The graph's LiveKpis entity (Query.liveKpis, served by the ledger): KPIs only the services'
 * metrics hold, each field resolved by the domain that owns it from its own process's prom-client
 * registry. With replicas, the replica that answers is the one read.
 */
export interface LiveKpisRef {
  readonly id: string;
}

/** The id of the one LiveKpis there is. */
export const LIVE_KPIS_ID = 'mesh';

/** GraphQL LatencyKpi: a seconds histogram since the process started; readers take differences over time. */
export interface LatencyKpiValue {
  readonly count: number;
  readonly sumSeconds: number;
  readonly p50Seconds: number | null;
  readonly p99Seconds: number | null;
}

/** The seconds histogram `name` of `registry` as a LatencyKpi (quantiles interpolated inside a bucket, null before any observation). */
export async function latencyKpi(registry: Registry, name: string): Promise<LatencyKpiValue> {
  const reading = await readRegisteredHistogram(registry, name);
  const quantile = (q: number) => (reading.count > 0 ? histogramQuantile(reading, q) : null);
  return { count: reading.count, sumSeconds: reading.sum, p50Seconds: quantile(0.5), p99Seconds: quantile(0.99) };
}

/** Events this process's durable consumers have not handled yet (mesh_event_consumer_backlog over every consumer and stream). */
export async function consumerBacklogOf(registry: Registry): Promise<number> {
  return await readRegisteredGauge(registry, 'mesh_event_consumer_backlog');
}
