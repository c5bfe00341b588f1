import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { print } from 'graphql';
import { setTimeout as sleep } from 'node:timers/promises';
import { principals } from '@mesh/test-kit';
import { signDevToken } from '../../src/module.js';
import { PlaceOrderDocument } from '../__generated__/operations.js';
import { startMeshUnderTest, type MeshUnderTest } from '../mesh-fixture.js';
import { webOrder } from '../workflows/workflow-kit.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';

// One order's workflow as one trace: the client's request through the gateway, its subgraph fetch
// to order (W3C traceparent), order's MongoDB writes, and across NATS to inventory's reservation
// and the ledger's order summary, each consumer's span a child of the span that created its event.
// The mesh runs as separate processes exporting OTLP/HTTP to a receiver this test starts.
const CONSUMER = 5;
const SERVER = 2;
/** A MongoDB command span (older and current semantic conventions). */
const isMongo = (span: ReceivedSpan) => (span.attributes['db.system.name'] ?? span.attributes['db.system']) === 'mongodb';

let receiver: OtlpReceiver | undefined;
let meshUnderTest: MeshUnderTest | undefined;
const mesh = () => meshUnderTest ?? assert.fail('mesh not started');
const spans = () => receiver?.spans ?? [];

before(
  async () => {
    receiver = await startOtlpReceiver();
    meshUnderTest = await startMeshUnderTest({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '200',
      INVENTORY_RELAY_INTERVAL_MS: '250',
    });
  },
  { timeout: 300_000 },
);
after(async () => {
  await meshUnderTest?.stop();
  await receiver?.close();
});

/** Places an order as an admin, under a trace this test starts (a sampled W3C traceparent). */
async function placeOrderTraced(key: string): Promise<{ traceId: string; orderId: string }> {
  const traceId = randomBytes(16).toString('hex');
  const response = await fetch(mesh().mesh.gatewayUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${await signDevToken(principals.admin)}`,
      traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
    },
    body: JSON.stringify({
      query: print(PlaceOrderDocument),
      variables: { input: webOrder(key, 'cus_00021', 'loc_wh_nj', [{ sku: 'SKU-0003-01', quantity: 1 }]) },
    }),
  });
  const body = (await response.json()) as { data?: { placeOrder: { __typename: string; order: { id: string } } }; errors?: unknown };
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  assert.equal(body.data?.placeOrder.__typename, 'OrderPlaced');
  return { traceId, orderId: body.data!.placeOrder.order.id };
}

/** Waits until the trace holds a span matching each of `wanted`, and returns the trace's spans. */
async function untilTraceHas(traceId: string, wanted: readonly ((span: ReceivedSpan) => boolean)[], timeoutMs = 60_000): Promise<ReceivedSpan[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const trace = spans().filter((span) => span.traceId === traceId);
    if (wanted.every((match) => trace.some(match))) return trace;
    if (Date.now() > deadline)
      assert.fail(`trace ${traceId} lacks spans; it has: ${trace.map((span) => `${span.service}:${span.name}:${span.kind}`).join(', ')}`);
    await sleep(250);
  }
}

describe('OpenTelemetry traces across the mesh', () => {
  test('placing an order yields one connected trace with spans from the gateway, order, inventory and the ledger', { timeout: 120_000 }, async () => {
    const { traceId } = await placeOrderTraced(`trace-${Date.now().toString(36)}`);
    const consumed = (service: string, topic: string) => (span: ReceivedSpan) =>
      span.service === service && span.kind === CONSUMER && span.name === `process ${topic}`;
    const trace = await untilTraceHas(traceId, [
      (span) => span.service === 'gateway' && span.kind === SERVER,
      (span) => span.service === 'order' && span.kind === SERVER,
      (span) => span.service === 'order' && isMongo(span),
      consumed('inventory', 'order.order-placed'),
      (span) => span.service === 'inventory' && isMongo(span),
      consumed('ledger', 'order.order-placed'),
      (span) => span.service === 'ledger' && isMongo(span),
    ]);
    // Connected: every span but the one our client started from has its parent in the trace.
    const ids = new Set(trace.map((span) => span.spanId));
    const roots = trace.filter((span) => !span.parentSpanId || !ids.has(span.parentSpanId));
    assert.equal(roots.length, 1, `one root expected, got ${roots.map((span) => `${span.service}:${span.name}`).join(', ')}`);
    assert.equal(roots[0]!.service, 'gateway');
    // The order service's request span is a child of a gateway fetch (W3C propagation).
    const byId = new Map(trace.map((span) => [span.spanId, span]));
    const orderServer = trace.find((span) => span.service === 'order' && span.kind === SERVER)!;
    assert.equal(byId.get(orderServer.parentSpanId!)?.service, 'gateway');
    // Inventory's handling descends from order's request: the event carried the context.
    const inventoryConsume = trace.find(consumed('inventory', 'order.order-placed'))!;
    let ancestor: ReceivedSpan | undefined = inventoryConsume;
    while (ancestor && ancestor !== orderServer) ancestor = ancestor.parentSpanId ? byId.get(ancestor.parentSpanId) : undefined;
    assert.equal(ancestor, orderServer, 'inventory consumed the event inside the trace of the request that placed the order');
  });

  test('probes and scrapes are not traced', async () => {
    await mesh().metrics('order');
    await fetch(mesh().mesh.subgraphUrls.order.replace(/\/graphql$/, '/ready'));
    await sleep(1000);
    assert.equal(spans().filter((span) => span.attributes['url.path'] === '/metrics' || span.attributes['http.target'] === '/metrics').length, 0);
  });
});
