import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { principals, startSubgraphTestBed, type SubgraphTestBed, type TestSubgraph } from '@mesh/test-kit';
import { createInventorySubgraph } from '../src/module.js';
import { record } from './inventory-fixtures.js';

const LIVE_KPIS = `query($r: [_Any!]!) { _entities(representations: $r) { ... on LiveKpis { id stockMovementToAvailability { count sumSeconds p50Seconds p99Seconds } inventoryConsumerBacklog } } }`;
const representation = { r: [{ __typename: 'LiveKpis', id: 'mesh' }] };
interface LiveKpisJson {
  _entities: {
    id: string;
    stockMovementToAvailability: { count: number; sumSeconds: number; p50Seconds: number | null; p99Seconds: number | null };
    inventoryConsumerBacklog: number;
  }[];
}

let bed: SubgraphTestBed;
let subgraph: TestSubgraph;

before(async () => {
  bed = await startSubgraphTestBed(createInventorySubgraph({ relayIntervalMs: 50 }));
  subgraph = bed.subgraph;
});
after(() => bed?.close());

const read = async () => {
  const response = await subgraph.request<LiveKpisJson>(LIVE_KPIS, representation, principals.analyst);
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  return response.data!._entities[0]!;
};

describe("inventory's live KPIs in the graph", () => {
  test('a receipt whose availability change is published shows in stockMovementToAvailability, read from the process metrics', async () => {
    const before = await read();
    assert.equal(before.id, 'mesh');
    const recorded = await record(
      subgraph,
      { sku: 'SKU-0003-01', locationId: 'loc_wh_nj', type: 'RECEIPT', quantity: 4, idempotencyKey: 'kpi-receipt-1' },
      principals.admin,
    );
    assert.equal(recorded.data?.recordStockMovement.__typename, 'StockMovementRecorded');
    const deadline = Date.now() + 20_000;
    let kpis = await read();
    while (kpis.stockMovementToAvailability.count === before.stockMovementToAvailability.count && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      kpis = await read();
    }
    const latency = kpis.stockMovementToAvailability;
    assert.equal(latency.count - before.stockMovementToAvailability.count, 1, 'one availability change published for the receipt');
    const seconds = latency.sumSeconds - before.stockMovementToAvailability.sumSeconds;
    assert.ok(seconds >= 0 && seconds < 20, `published ${seconds} s after the change`);
    assert.ok(latency.p50Seconds !== null && latency.p99Seconds !== null && latency.p99Seconds >= latency.p50Seconds);
    // No order events were published: the consumer has nothing waiting.
    assert.equal(kpis.inventoryConsumerBacklog, 0);
  });

  test('the live KPIs need events:read', async () => {
    const code = async (principal: Parameters<TestSubgraph['request']>[2]) =>
      (await subgraph.request(LIVE_KPIS, representation, principal)).errors?.[0]?.extensions?.['code'];
    assert.equal(await code(principals.associate), 'FORBIDDEN');
    assert.equal(await code(principals.anonymous), 'UNAUTHENTICATED');
  });
});
