/**
 * Where a burst's placeOrder calls spent their time, layer by layer: the services' own histograms
 * of the operation (the gateway's and the order subgraph's mesh_graphql_operation_duration_seconds
 * for placeOrder, from the operation's start to its response, and the gateway's fetches of the
 * order subgraph) read before and after the burst. A mean the client sees well above the
 * gateway's is time outside the gateway's operation (its HTTP queue, the client's own loop); a
 * gateway mean well above its fetches' is the gateway's own work and queueing; a fetch mean well
 * above the order subgraph's operation is the order process's HTTP handling and event-loop lag.
 */
import { histogramDelta, histogramFromText, type HistogramReading } from '@mesh/server-kit';
import type { RunningMesh } from '@mesh/mesh-runner';

const OPERATION_HISTOGRAM = 'mesh_graphql_operation_duration_seconds';

/** The gateway's fetches of the order subgraph, from its request to the whole answer (mesh_subgraph_fetch_duration_seconds). */
const FETCH_HISTOGRAM = 'mesh_subgraph_fetch_duration_seconds';

export interface LayerReadings {
  readonly gateway: HistogramReading;
  /** Every fetch of the order subgraph the gateway made (placeOrder's, and the few order reads of the run). */
  readonly gatewayToOrder: HistogramReading;
  readonly order: HistogramReading;
}

async function metricLines(graphqlUrl: string, label: string): Promise<string> {
  const response = await fetch(graphqlUrl.replace(/\/graphql$/, '/metrics'));
  const text = await response.text();
  return text
    .split('\n')
    .filter((line) => line.includes(label))
    .join('\n');
}

export async function readLayers(mesh: RunningMesh): Promise<LayerReadings> {
  const [gateway, gatewayToOrder, order] = await Promise.all([
    metricLines(mesh.gatewayUrl, 'operation="placeOrder"').then((text) => histogramFromText(text, OPERATION_HISTOGRAM)),
    metricLines(mesh.gatewayUrl, 'subgraph="order"').then((text) => histogramFromText(text, FETCH_HISTOGRAM)),
    metricLines(mesh.subgraphUrls.order, 'operation="placeOrder"').then((text) => histogramFromText(text, OPERATION_HISTOGRAM)),
  ]);
  return { gateway, gatewayToOrder, order };
}

export const layersBetween = (before: LayerReadings, after: LayerReadings): LayerReadings => ({
  gateway: histogramDelta(before.gateway, after.gateway),
  gatewayToOrder: histogramDelta(before.gatewayToOrder, after.gatewayToOrder),
  order: histogramDelta(before.order, after.order),
});

/** Share of a histogram's observations at or under `seconds` (a bucket bound). */
function shareWithin(histogram: HistogramReading, seconds: number): number {
  const bucket = histogram.buckets.find(([bound]) => bound === seconds);
  return histogram.count > 0 && bucket ? bucket[1] / histogram.count : Number.NaN;
}

const percent = (share: number) => `${Math.round(share * 1000) / 10}%`;
const meanMs = (histogram: HistogramReading) => Math.round((histogram.sum / Math.max(1, histogram.count)) * 1000);

/** One line: mean call time and share within 2.5 s (the nearest bucket bound under 3 s) at the client, the gateway and the order subgraph. */
export function describeLayers(layers: LayerReadings, clientLatenciesMs: readonly number[]): string {
  const clientMean = Math.round(clientLatenciesMs.reduce((sum, ms) => sum + ms, 0) / Math.max(1, clientLatenciesMs.length));
  const clientWithin = clientLatenciesMs.filter((ms) => ms <= 2500).length / Math.max(1, clientLatenciesMs.length);
  return (
    `client ${clientLatenciesMs.length} calls, mean ${clientMean} ms, ${percent(clientWithin)} within 2.5 s; ` +
    `gateway placeOrder ${layers.gateway.count} operations, mean ${meanMs(layers.gateway)} ms, ${percent(shareWithin(layers.gateway, 2.5))} within 2.5 s; ` +
    `gateway fetches of order ${layers.gatewayToOrder.count}, mean ${meanMs(layers.gatewayToOrder)} ms, ${percent(shareWithin(layers.gatewayToOrder, 2.5))} within 2.5 s; ` +
    `order placeOrder ${layers.order.count} operations, mean ${meanMs(layers.order)} ms, ${percent(shareWithin(layers.order, 2.5))} within 2.5 s`
  );
}
