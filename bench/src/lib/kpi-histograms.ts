/**
 * Reading a KPI histogram from a service's Prometheus /metrics, and what a phase added to it in
 * ms: the mean is exact (_sum / _count), p50 and p99 are interpolated inside a bucket
 * (histogramQuantile, as PromQL's histogram_quantile).
 */
import { histogramQuantile, type HistogramReading } from '@mesh/server-kit';

export interface HistogramSummary {
  readonly count: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export async function readMetricsText(metricsUrl: string): Promise<string> {
  const response = await fetch(metricsUrl);
  if (!response.ok) throw new Error(`${metricsUrl}: HTTP ${response.status}`);
  return await response.text();
}

/** A seconds histogram's count, mean and interpolated p50/p99 in ms. */
export function summarize(reading: HistogramReading): HistogramSummary {
  return {
    count: reading.count,
    meanMs: reading.count > 0 ? (reading.sum / reading.count) * 1000 : Number.NaN,
    p50Ms: histogramQuantile(reading, 0.5) * 1000,
    p99Ms: histogramQuantile(reading, 0.99) * 1000,
  };
}
