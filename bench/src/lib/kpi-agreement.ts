/**
 * Scenario 7's cross-check of the mesh's own KPI histograms: each is read from its service's
 * /metrics before and after a phase, and the delta (what the phase added) is set beside the same
 * span the bench measured itself from traces. The metrics' mean is exact (_sum / _count); their
 * p50 and p99 are interpolated inside a bucket (histogramQuantile); the bench's are nearest-rank
 * over its traced sample.
 */
import type { SubgraphName } from '@mesh/mesh-runner';
import { histogramDelta, histogramFromText, type HistogramReading } from '@mesh/server-kit';
import { readMetricsText, summarize, type HistogramSummary } from './kpi-histograms.js';
import { percentile } from './stats.js';

export const KPI_HISTOGRAMS = [
  { key: 'ledger', service: 'ledger', metric: 'mesh_kpi_order_placed_to_ledger_seconds', span: 'order placed -> ledger recorded it' },
  {
    key: 'availability',
    service: 'inventory',
    metric: 'mesh_kpi_stock_movement_to_availability_seconds',
    span: 'stock change -> availability change published',
  },
] as const satisfies readonly { key: string; service: SubgraphName; metric: string; span: string }[];

export type KpiKey = (typeof KPI_HISTOGRAMS)[number]['key'];
export type KpiReadings = Readonly<Record<KpiKey, HistogramReading>>;

/** How far apart the two may be: metrics / bench within 1 ± this. */
export const AGREEMENT_TOLERANCE = 0.1;

const metricsUrlOf = (graphqlUrl: string) => graphqlUrl.replace(/\/graphql$/, '/metrics');

export async function readKpiHistograms(subgraphUrls: Readonly<Record<SubgraphName, string>>): Promise<KpiReadings> {
  const entries = await Promise.all(
    KPI_HISTOGRAMS.map(
      async ({ key, service, metric }) => [key, histogramFromText(await readMetricsText(metricsUrlOf(subgraphUrls[service])), metric)] as const,
    ),
  );
  return Object.fromEntries(entries) as Record<KpiKey, HistogramReading>;
}

/**
 * What a phase added to each KPI histogram, read once the ledger has recorded at least
 * `placedOrders` placements since `before` (its consumer may lag the load) or `timeoutMs` passed.
 */
export async function kpiDeltasSince(
  subgraphUrls: Readonly<Record<SubgraphName, string>>,
  before: KpiReadings,
  placedOrders: number,
  timeoutMs: number,
): Promise<KpiReadings> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const after = await readKpiHistograms(subgraphUrls);
    const delta = { ledger: histogramDelta(before.ledger, after.ledger), availability: histogramDelta(before.availability, after.availability) };
    if (delta.ledger.count >= placedOrders || Date.now() > deadline) return delta;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export interface OwnSummary {
  readonly count: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface KpiAgreement {
  readonly key: KpiKey;
  readonly span: string;
  readonly metric: string;
  readonly metrics: HistogramSummary;
  readonly own: OwnSummary;
  /** metrics / own, per statistic. */
  readonly ratios: { readonly mean: number; readonly p50: number; readonly p99: number };
  /** Every ratio within 1 ± AGREEMENT_TOLERANCE. */
  readonly agrees: boolean;
}

export function compareKpi(key: KpiKey, delta: HistogramReading, ownMs: readonly number[]): KpiAgreement {
  const { span, metric } = KPI_HISTOGRAMS.find((entry) => entry.key === key)!;
  const metrics = summarize(delta);
  const own: OwnSummary = {
    count: ownMs.length,
    meanMs: ownMs.length === 0 ? Number.NaN : ownMs.reduce((sum, value) => sum + value, 0) / ownMs.length,
    p50Ms: percentile(ownMs, 50),
    p99Ms: percentile(ownMs, 99),
  };
  const ratios = { mean: metrics.meanMs / own.meanMs, p50: metrics.p50Ms / own.p50Ms, p99: metrics.p99Ms / own.p99Ms };
  const agrees = Object.values(ratios).every((value) => Math.abs(value - 1) <= AGREEMENT_TOLERANCE);
  return { key, span, metric, metrics, own, ratios, agrees };
}
