import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { principals, startSubgraphTestBed, type SubgraphTestBed, type TestSubgraph } from '@mesh/test-kit';
import { createOrderModels, type OrderModels } from '../src/models/index.js';
import { createOrderSubgraph } from '../src/module.js';

const LIVE_KPIS = `query($r: [_Any!]!) { _entities(representations: $r) { ... on LiveKpis { id oldestPendingOrderAgeSeconds orderConsumerBacklog } } }`;
const representation = { r: [{ __typename: 'LiveKpis', id: 'mesh' }] };
interface LiveKpisJson {
  _entities: { id: string; oldestPendingOrderAgeSeconds: number; orderConsumerBacklog: number }[];
}

let bed: SubgraphTestBed;
let subgraph: TestSubgraph;
let models: OrderModels;

before(async () => {
  // The oldest PENDING order is measured every 100 ms here (15 s by default).
  bed = await startSubgraphTestBed(createOrderSubgraph({ relayIntervalMs: 600_000, kpiIntervalMs: 100 }), { seed: false });
  subgraph = bed.subgraph;
  models = createOrderModels(subgraph.connection);
});
after(() => bed?.close());

const read = async () => {
  const response = await subgraph.request<LiveKpisJson>(LIVE_KPIS, representation, principals.analyst);
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  return response.data!._entities[0]!;
};

/** Reads the KPIs until `holds` (every 50 ms, at most 20 s). */
async function readUntil(holds: (kpis: LiveKpisJson['_entities'][number]) => boolean, what: string) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const kpis = await read();
    if (holds(kpis)) return kpis;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}: ${JSON.stringify(kpis)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("the order domain's live KPIs in the graph", () => {
  test('an order PENDING for a minute shows as the oldest PENDING age, and 0 once it is decided; no consumer has a backlog', async () => {
    const empty = await readUntil((kpis) => kpis.oldestPendingOrderAgeSeconds === 0, 'no PENDING order');
    assert.equal(empty.id, 'mesh');
    const placedAt = new Date(Date.now() - 60_000);
    await models.orders.collection.insertOne({
      _id: 'ord_pending_kpi' as never,
      number: 'W-PENDING-KPI',
      idempotencyKey: 'place:pending:kpi',
      correlationId: 'corr-pending-kpi',
      channel: 'WEB',
      status: 'PENDING',
      customerId: 'cus_00001',
      currency: 'USD',
      fulfillment: { type: 'SHIP', locationId: 'loc_wh_nj' },
      lines: [{ lineNumber: 1, sku: 'SKU-0001-03', quantity: 1, unitPriceMinor: 100, taxMinor: 8, lineTotalMinor: 108 }],
      totals: { subtotalMinor: 100, taxMinor: 8, totalMinor: 108 },
      payment: { authorizedMinor: 0, capturedMinor: 0, refundedMinor: 0 },
      placedAt,
      statusHistory: [{ status: 'PENDING', at: placedAt }],
    });
    const waiting = await readUntil((kpis) => kpis.oldestPendingOrderAgeSeconds > 0, 'the PENDING order measured');
    assert.ok(waiting.oldestPendingOrderAgeSeconds >= 60 && waiting.oldestPendingOrderAgeSeconds < 120, `age ${waiting.oldestPendingOrderAgeSeconds} s`);
    assert.equal(waiting.orderConsumerBacklog, 0);

    await models.orders.collection.updateOne({ _id: 'ord_pending_kpi' as never }, { $set: { status: 'CONFIRMED' } });
    await readUntil((kpis) => kpis.oldestPendingOrderAgeSeconds === 0, 'the decided order no longer counted');
  });

  test('the live KPIs need events:read', async () => {
    const code = async (principal: Parameters<TestSubgraph['request']>[2]) =>
      (await subgraph.request(LIVE_KPIS, representation, principal)).errors?.[0]?.extensions?.['code'];
    assert.equal(await code(principals.associate), 'FORBIDDEN');
    assert.equal(await code(principals.customer('cus_00001')), 'FORBIDDEN');
    assert.equal(await code(principals.anonymous), 'UNAUTHENTICATED');
  });
});
