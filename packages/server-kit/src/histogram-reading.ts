import type { Histogram, Registry } from 'prom-client';

/**
 * A prom-client histogram summed over its label sets: cumulative counts per upper bound
 * (seconds, ascending, +Inf last), the number of observations and their sum. Read in process
 * (readHistogram, for a GraphQL field) or from a service's /metrics text (histogramFromText, for
 * benchmarks), and compared over time with histogramDelta.
 */
export interface HistogramReading {
  readonly buckets: readonly (readonly [upperBound: number, cumulativeCount: number])[];
  readonly count: number;
  readonly sum: number;
}

function reading(byBound: ReadonlyMap<number, number>, count: number, sum: number): HistogramReading {
  return { buckets: [...byBound].sort((a, b) => a[0] - b[0]), count, sum };
}

const add = (map: Map<number, number>, bound: number, value: number) => map.set(bound, (map.get(bound) ?? 0) + value);

/** This process's histogram, summed over its label sets. */
export async function readHistogram(histogram: Pick<Histogram<string>, 'get'>): Promise<HistogramReading> {
  const { name, values } = await histogram.get();
  const byBound = new Map<number, number>();
  let count = 0;
  let sum = 0;
  for (const { metricName, labels, value } of values) {
    if (metricName === `${name}_bucket`) add(byBound, labels['le'] === '+Inf' ? Number.POSITIVE_INFINITY : Number(labels['le']), value);
    else if (metricName === `${name}_count`) count += value;
    else if (metricName === `${name}_sum`) sum += value;
  }
  return reading(byBound, count, sum);
}

/** The histogram registered on `registry` as `name`, summed over its label sets; empty when none is. */
export async function readRegisteredHistogram(registry: Registry, name: string): Promise<HistogramReading> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return { buckets: [], count: 0, sum: 0 };
  const { type } = await metric.get();
  if (String(type) !== 'histogram') throw new Error(`${name} is a ${type}, not a histogram`);
  return await readHistogram(metric as Pick<Histogram<string>, 'get'>);
}

/** The sum of the gauge registered on `registry` as `name` over its label sets, read as a scrape would (its collect runs); 0 when none is. */
export async function readRegisteredGauge(registry: Registry, name: string): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { type, values } = await metric.get();
  if (String(type) !== 'gauge') throw new Error(`${name} is a ${type}, not a gauge`);
  return values.reduce((sum, { value }) => sum + value, 0);
}

/**
 * The histogram `name` in Prometheus text as prom-client writes it (`name_bucket{le="0.1",...} 3`,
 * `name_sum{...}`, `name_count{...}`), summed over its label sets; empty when absent.
 */
export function histogramFromText(prometheusText: string, name: string): HistogramReading {
  const sample = new RegExp(`^${name}_(bucket|sum|count)(?:\\{([^}]*)\\})? (\\S+)$`);
  const byBound = new Map<number, number>();
  let count = 0;
  let sum = 0;
  for (const line of prometheusText.split('\n')) {
    const match = sample.exec(line);
    if (!match) continue;
    const value = Number(match[3]);
    if (match[1] === 'count') count += value;
    else if (match[1] === 'sum') sum += value;
    else {
      const le = /(?:^|,)le="([^"]*)"/.exec(match[2] ?? '')?.[1];
      if (le !== undefined) add(byBound, le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), value);
    }
  }
  return reading(byBound, count, sum);
}

/** What was observed between two readings of one histogram. */
export function histogramDelta(before: HistogramReading, after: HistogramReading): HistogramReading {
  const earlier = new Map(before.buckets);
  return {
    buckets: after.buckets.map(([bound, cumulative]) => [bound, cumulative - (earlier.get(bound) ?? 0)] as const),
    count: after.count - before.count,
    sum: after.sum - before.sum,
  };
}

/**
 * The value below which a fraction `q` of the observations fall, in the histogram's unit: the
 * bucket holding rank q·count, interpolated linearly from its lower to its upper bound (as
 * PromQL's histogram_quantile; a rank in the +Inf bucket answers the highest finite bound).
 * NaN without observations.
 */
export function histogramQuantile(histogram: HistogramReading, q: number): number {
  if (histogram.count <= 0) return Number.NaN;
  const rank = q * histogram.count;
  let lower = 0;
  let below = 0;
  for (const [upper, cumulative] of histogram.buckets) {
    if (cumulative >= rank && cumulative > below) {
      return Number.isFinite(upper) ? lower + (upper - lower) * ((rank - below) / (cumulative - below)) : lower;
    }
    if (Number.isFinite(upper)) lower = upper;
    below = cumulative;
  }
  return lower;
}
