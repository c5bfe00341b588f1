import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { principals, webOrderPlaced } from '@mesh/test-kit';
import { drainOrders, envelopeOf, startLedgerEventRig, type LedgerEventRig } from './ledger-event-helpers.js';

const LIVE_KPIS = `{ liveKpis { id orderPlacedToLedger { count sumSeconds p50Seconds p99Seconds } ledgerConsumerBacklog } }`;
interface LiveKpisJson {
  liveKpis: {
    id: string;
    orderPlacedToLedger: { count: number; sumSeconds: number; p50Seconds: number | null; p99Seconds: number | null };
    ledgerConsumerBacklog: number;
  };
}

let rig: LedgerEventRig;
before(async () => {
  rig = await startLedgerEventRig();
});
after(async () => {
  await rig?.close();
});

const read = async () => {
  const response = await rig.subgraph.request<LiveKpisJson>(LIVE_KPIS, {}, principals.analyst);
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  return response.data!.liveKpis;
};

describe("the ledger's live KPIs in the graph", () => {
  test('an order placed 1.5 s before the ledger records it shows in orderPlacedToLedger, read from the process metrics; the backlog is empty once drained', async () => {
    const before = await read();
    assert.equal(before.id, 'mesh');
    const occurredAt = new Date(Date.now() - 1500).toISOString();
    const placed = envelopeOf('order.order-placed', webOrderPlaced({ orderId: 'ord_kpi_1', orderNumber: 'W-KPI-1' }), 'order:ord_kpi_1:placed', { occurredAt });
    await rig.publisher.publish(placed);
    await drainOrders(rig);

    const kpis = await read();
    const { orderPlacedToLedger: latency } = kpis;
    assert.equal(latency.count - before.orderPlacedToLedger.count, 1);
    const seconds = latency.sumSeconds - before.orderPlacedToLedger.sumSeconds;
    assert.ok(seconds >= 1.5 && seconds < 30, `recorded ${seconds} s after the placement`);
    if (before.orderPlacedToLedger.count === 0) {
      // One observation: both quantiles fall inside its bucket (bounds about 20 % apart).
      assert.ok(latency.p50Seconds! > seconds / 1.25 && latency.p50Seconds! <= seconds * 1.25, `p50 ${latency.p50Seconds} for ${seconds}`);
      assert.ok(latency.p99Seconds! >= latency.p50Seconds!);
    }
    assert.equal(kpis.ledgerConsumerBacklog, 0);

    // The same fact again is not recorded again: the KPI counts orders, not deliveries.
    await rig.publisher.publish(envelopeOf(placed.type, placed.data, placed.idempotencyKey, { occurredAt }));
    await drainOrders(rig);
    assert.equal((await read()).orderPlacedToLedger.count, latency.count);
  });

  test('the live KPIs need events:read', async () => {
    const code = async (principal: Parameters<LedgerEventRig['subgraph']['request']>[2]) =>
      (await rig.subgraph.request(LIVE_KPIS, {}, principal)).errors?.[0]?.extensions?.['code'];
    assert.equal(await code(principals.associate), 'FORBIDDEN');
    assert.equal(await code(principals.anonymous), 'UNAUTHENTICATED');
    assert.equal(await code(principals.admin), undefined);
  });
});
