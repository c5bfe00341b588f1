import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OrderJournalDocument, ShipOrderDocument, TrialBalanceDocument, type OrderJournalQuery } from '../__generated__/operations.js';
import { startMeshUnderTest, type MeshUnderTest } from '../mesh-fixture.js';
import { admin, assertSameOrders, countByStatus, inPool, latencySummary, movementLog, placeOrder, setAvailable, settle, stockOf, until, webOrder, type PlacedAnswer } from './workflow-kit.js';

// Outages in the middle of a burst of orders, through the real gateway: the inventory subgraph
// killed and restarted, then the nats-server stopped and started again on the same port and store.
// Every order is sent once (no client retry) and must still reach a final state by itself.
const WAREHOUSE = 'loc_wh_nj';
const RUN = Date.now().toString(36);

let meshUnderTest: MeshUnderTest | undefined;
const mesh = (): MeshUnderTest => {
  if (!meshUnderTest) throw new Error('mesh not started');
  return meshUnderTest;
};

before(async () => {
  meshUnderTest = await startMeshUnderTest({ INVENTORY_RELAY_INTERVAL_MS: '250', INVENTORY_EXPIRY_INTERVAL_MS: '30000', SUBGRAPH_TIMEOUT_MS: '60000' });
}, { timeout: 300_000 });
after(async () => {
  await meshUnderTest?.stop();
});

/**
 * Places `count` single-unit orders of `sku` with at most `concurrency` in flight, calling
 * `midway` (without waiting for it) once `triggerAfter` answers have come back.
 */
async function burst(sku: string, customerId: string, label: string, count: number, concurrency: number, triggerAfter: number, midway: () => Promise<void>): Promise<{ answers: PlacedAnswer[]; outage: Promise<void> }> {
  let answered = 0;
  let outage: Promise<void> | undefined;
  const keys = Array.from({ length: count }, (_, index) => `${RUN}-${label}-${index}`);
  const answers = await inPool(keys, concurrency, async (key) => {
    const answer = await placeOrder(mesh(), webOrder(key, customerId, WAREHOUSE, [{ sku, quantity: 1 }]));
    answered += 1;
    if (answered === triggerAfter) outage = midway();
    return answer;
  });
  return { answers, outage: outage ?? Promise.resolve() };
}

type JournalEntryNode = OrderJournalQuery['journalEntries']['edges'][number]['node'];

const sum = (values: readonly string[]) => values.reduce((total, value) => total + BigInt(value), 0n);

describe('orders survive outages without client retries', () => {
  test('with inventory killed while 200 orders are placed, every order is confirmed or rejected once it is back, within stock', { timeout: 600_000 }, async () => {
    const [sku, customerId, placedFrom] = ['SKU-0002-01', 'cus_00013', new Date()] as const;
    const start = await setAvailable(mesh(), sku, WAREHOUSE, 150);
    let stoppedAt = 0;
    const { answers, outage } = await burst(sku, customerId, 'inventory-down', 200, 40, 20, async () => {
      await mesh().mesh.stopSubgraph('inventory');
      stoppedAt = Date.now();
    });
    await outage;
    assert.ok(stoppedAt > 0, 'inventory was stopped during the burst');
    const pendingWhileDown = answers.filter((answer) => answer.status === 'PENDING').length;
    assert.ok(pendingWhileDown > 0, 'some orders were answered PENDING while inventory was down');
    await mesh().mesh.startSubgraph('inventory');

    const orders = await settle(mesh(), customerId, placedFrom, { stallMs: 90_000, capMs: 600_000 });
    assertSameOrders(orders, answers);
    const counts = countByStatus(orders.values());
    assert.deepEqual(counts, { CONFIRMED: 150, REJECTED: 50 }, JSON.stringify(counts));
    const end = await stockOf(mesh(), sku, WAREHOUSE);
    assert.equal(end.reserved, start.reserved + 150, 'the confirmed orders hold exactly the stock there was');
    assert.equal(end.available, 0);
  });

  test('with NATS stopped during a burst, every order is decided once it is back, and shipping posts exactly one balanced capture per order', { timeout: 600_000 }, async (t) => {
    const [sku, customerId, placedFrom] = ['SKU-0002-02', 'cus_00014', new Date()] as const;
    const start = await setAvailable(mesh(), sku, WAREHOUSE, 60);
    const { answers, outage } = await burst(sku, customerId, 'nats-down', 80, 20, 10, async () => {
      await mesh().mesh.stopNats();
      // The outage lasts a fixed while on purpose: it is the fault, not a wait for a condition.
      await new Promise((resolve) => setTimeout(resolve, 8000));
      await mesh().mesh.startNats();
    });
    await outage;
    t.diagnostic(latencySummary(answers));
    assert.ok(answers.some((answer) => answer.status === 'PENDING'), 'some orders were answered PENDING while NATS was down');

    const orders = await settle(mesh(), customerId, placedFrom, { stallMs: 90_000, capMs: 600_000 });
    assertSameOrders(orders, answers);
    const counts = countByStatus(orders.values());
    assert.deepEqual(counts, { CONFIRMED: 60, REJECTED: 20 }, JSON.stringify(counts));
    assert.equal((await stockOf(mesh(), sku, WAREHOUSE)).reserved, start.reserved + 60);

    const confirmed = [...orders.values()].filter((order) => order.status === 'CONFIRMED');
    const shipped = await inPool(confirmed, 10, async (order) => {
      const response = await mesh().query(ShipOrderDocument, { orderId: order.id, idempotencyKey: `${RUN}-ship-${order.id}` }, admin);
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      const result = response.data!.shipOrder;
      assert.equal(result.payment.captured.minorUnits, order.totals.total.minorUnits, `${order.id} captured its total`);
      return result;
    });
    assert.ok(shipped.every((order) => order.status === 'COMPLETED'), JSON.stringify(countByStatus(shipped)));

    // Inventory turns each shipped order's reservation into exactly one SALE movement.
    const sales = await until('a SALE movement for every shipped order', 120_000, async () => {
      const found = (await movementLog(mesh(), sku, WAREHOUSE)).filter((movement) => movement.type === 'SALE' && movement.orderId && orders.has(movement.orderId));
      return found.length >= confirmed.length ? found : undefined;
    }, 1000);
    assert.equal(sales.length, confirmed.length, 'one SALE movement per shipped order');
    assert.deepEqual(new Set(sales.map((sale) => sale.orderId)), new Set(confirmed.map((order) => order.id)));
    assert.ok(sales.every((sale) => sale.quantityDelta === -1));
    const afterShipping = await stockOf(mesh(), sku, WAREHOUSE);
    assert.equal(afterShipping.reserved, start.reserved, 'shipping consumed the reservations');
    assert.equal(afterShipping.onHand, start.onHand - 60, 'shipping took the units off hand');

    const journalOf = async (orderId: string): Promise<JournalEntryNode[]> => {
      const response = await mesh().query(OrderJournalDocument, { orderId }, admin);
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      return response.data!.journalEntries.edges.map((edge) => edge.node);
    };
    const captures = (entries: readonly JournalEntryNode[]) => entries.filter((entry) => entry.source.type === 'ORDER_CAPTURED');
    // Postings arrive by event: wait until every shipped order has its capture, then read the ledger once more.
    await until('a capture entry for every shipped order', 120_000, async () => {
      const missing = (await inPool(confirmed, 10, async (order) => captures(await journalOf(order.id)).length === 0)).filter(Boolean).length;
      return missing === 0 ? true : undefined;
    }, 1000);
    for (const order of confirmed) {
      const entries = await journalOf(order.id);
      assert.equal(captures(entries).length, 1, `${order.id} has ${captures(entries).length} capture entries`);
      const [capture] = captures(entries);
      assert.equal(sum(capture!.lines.filter((line) => line.account.code === '1100').map((line) => line.debit.minorUnits)).toString(), order.totals.total.minorUnits, `${order.id}: the capture debits the order total`);
      for (const entry of entries) {
        assert.equal(sum(entry.lines.map((line) => line.debit.minorUnits)), sum(entry.lines.map((line) => line.credit.minorUnits)), `${order.id} ${entry.source.type} is unbalanced`);
      }
    }
    for (const order of [...orders.values()].filter((candidate) => candidate.status === 'REJECTED')) {
      assert.deepEqual(await journalOf(order.id), [], `rejected ${order.id} has postings`);
    }

    const balance = await mesh().query(TrialBalanceDocument, { currency: 'USD' }, admin);
    assert.equal(balance.errors, undefined, JSON.stringify(balance.errors));
    assert.equal(balance.data!.trialBalance.balanced, true);
    assert.equal(balance.data!.trialBalance.totalDebit.minorUnits, balance.data!.trialBalance.totalCredit.minorUnits);
  });
});
