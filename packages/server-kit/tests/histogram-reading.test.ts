import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Histogram, Registry } from 'prom-client';
import {
  KPI_LATENCY_BUCKETS,
  consumerBacklogOf,
  createServiceMetrics,
  histogramDelta,
  histogramFromText,
  histogramQuantile,
  latencyKpi,
  readHistogram,
  readRegisteredHistogram,
} from '../src/index.js';

function labelledHistogram() {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'ledger' });
  const histogram = new Histogram({ name: 'test_latency_seconds', help: 'test', labelNames: ['channel'], buckets: [0.01, 0.02, 0.04], registers: [registry] });
  return { registry, histogram };
}

test('the /metrics text and the in-process histogram read the same buckets, count and sum, summed over label sets', async () => {
  const { registry, histogram } = labelledHistogram();
  histogram.observe({ channel: 'WEB' }, 0.005);
  histogram.observe({ channel: 'WEB' }, 0.015);
  histogram.observe({ channel: 'APP' }, 0.03);
  histogram.observe({ channel: 'APP' }, 5);
  const fromText = histogramFromText(await registry.metrics(), 'test_latency_seconds');
  const inProcess = await readHistogram(histogram);
  assert.deepEqual(fromText, inProcess);
  assert.deepEqual(inProcess.buckets, [
    [0.01, 1],
    [0.02, 2],
    [0.04, 3],
    [Number.POSITIVE_INFINITY, 4],
  ]);
  assert.equal(inProcess.count, 4);
  assert.ok(Math.abs(inProcess.sum - 5.05) < 1e-9);
});

test('a histogram nobody observed reads as empty, and its quantiles are NaN', async () => {
  const { registry } = labelledHistogram();
  const empty = histogramFromText(await registry.metrics(), 'test_latency_seconds');
  assert.equal(empty.count, 0);
  assert.ok(Number.isNaN(histogramQuantile(empty, 0.5)));
  assert.equal(histogramFromText('', 'absent_seconds').count, 0);
});

test('a delta holds only what was observed between two readings', async () => {
  const { histogram } = labelledHistogram();
  histogram.observe({ channel: 'WEB' }, 0.005);
  const before = await readHistogram(histogram);
  histogram.observe({ channel: 'WEB' }, 0.03);
  histogram.observe({ channel: 'POS' }, 0.035);
  const delta = histogramDelta(before, await readHistogram(histogram));
  assert.equal(delta.count, 2);
  assert.ok(Math.abs(delta.sum - 0.065) < 1e-9);
  assert.deepEqual(delta.buckets, [
    [0.01, 0],
    [0.02, 0],
    [0.04, 2],
    [Number.POSITIVE_INFINITY, 2],
  ]);
});

test('quantiles interpolate linearly inside the bucket holding the rank, and stop at the highest finite bound', () => {
  const reading = {
    buckets: [
      [0.01, 0],
      [0.02, 10],
      [0.04, 20],
      [Number.POSITIVE_INFINITY, 21],
    ] as const,
    count: 21,
    sum: 0.5,
  };
  // Rank 10.5 is the 0.5th of the 10 observations in (0.02, 0.04].
  assert.ok(Math.abs(histogramQuantile(reading, 0.5) - 0.021) < 1e-12);
  // Rank 5 is halfway through (0.01, 0.02].
  assert.ok(Math.abs(histogramQuantile(reading, 5 / 21) - 0.015) < 1e-12);
  // The last observation is above every finite bound.
  assert.equal(histogramQuantile(reading, 1), 0.04);
});

test('a KPI is read from the registry by name: a latency histogram as count, sum and quantiles, the backlog gauge summed over consumers', async () => {
  const { registry, histogram } = labelledHistogram();
  assert.deepEqual(await latencyKpi(registry, 'test_latency_seconds'), { count: 0, sumSeconds: 0, p50Seconds: null, p99Seconds: null });
  histogram.observe({ channel: 'WEB' }, 0.015);
  histogram.observe({ channel: 'APP' }, 0.015);
  const kpi = await latencyKpi(registry, 'test_latency_seconds');
  assert.equal(kpi.count, 2);
  assert.ok(Math.abs(kpi.sumSeconds - 0.03) < 1e-9);
  assert.ok(Math.abs(kpi.p50Seconds! - 0.015) < 1e-9);
  assert.ok(kpi.p99Seconds! > 0.019 && kpi.p99Seconds! <= 0.02);

  const metrics = createServiceMetrics('test');
  assert.equal(await consumerBacklogOf(metrics.registry), 0, 'no bus read yet');
  metrics.readBacklogFrom(async () => [
    { consumer: 'ledger-orders', domain: 'order', pending: 3 },
    { consumer: 'ledger-inventory', domain: 'inventory', pending: 4 },
  ]);
  assert.equal(await consumerBacklogOf(metrics.registry), 7);
  await assert.rejects(readRegisteredHistogram(metrics.registry, 'mesh_event_consumer_backlog'), /not a histogram/);
  assert.equal((await readRegisteredHistogram(registry, 'absent_seconds')).count, 0);
});

test('the KPI latency buckets are ascending and each bound below 9 s is about 20 % above the previous one (rounded to 3 digits)', () => {
  assert.equal(KPI_LATENCY_BUCKETS.length, 53);
  for (let index = 1; index < KPI_LATENCY_BUCKETS.length; index++) {
    const [previous, bound] = [KPI_LATENCY_BUCKETS[index - 1]!, KPI_LATENCY_BUCKETS[index]!];
    assert.ok(bound > previous);
    if (bound < 9) assert.ok(bound / previous <= 1.21, `${previous} -> ${bound}`);
  }
});
