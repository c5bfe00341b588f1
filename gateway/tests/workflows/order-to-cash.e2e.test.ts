import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CustomerOrderCountDocument, PlaceOrderDocument } from '../__generated__/operations.js';
import { errorCodes, meshForThisFile } from '../mesh-fixture.js';
import {
  admin,
  countByStatus,
  decisionSummary,
  assertSameOrders,
  inPool,
  latencySummary,
  movementLog,
  placeOrder,
  setAvailable,
  settle,
  stockOf,
  stocksOf,
  webOrder,
  type LevelFigures,
} from './workflow-kit.js';

// The no-oversell, all-or-nothing and idempotency invariants of order to cash, through the real
// gateway over HTTP, with every service a separate process on the embedded database and a real
// nats-server. Each test works on its own SKUs, so the tests do not disturb one another.
const WAREHOUSE = 'loc_wh_nj';
const RUN = Date.now().toString(36);

// The fixture slows inventory's relay for the N+1 suite; events are the point here. A burst of
// 100 orders in flight on a shared 2-core machine can keep the order subgraph busy beyond the
// gateway's default 10 s subgraph timeout, which would answer a client SUBGRAPH_TIMEOUT.
const mesh = meshForThisFile({ INVENTORY_RELAY_INTERVAL_MS: '250', INVENTORY_EXPIRY_INTERVAL_MS: '30000', SUBGRAPH_TIMEOUT_MS: '60000' });

/** Samples a level every few hundred ms until stopped, so the test can check it at every instant it saw. */
function sampleLevel(sku: string): { stop(): Promise<LevelFigures[]> } {
  const samples: LevelFigures[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      samples.push(await stockOf(mesh(), sku, WAREHOUSE));
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return samples;
    },
  };
}

describe('order to cash under concurrency, through the gateway', () => {
  test('1,000 concurrent single-unit orders for 100 units confirm exactly 100 and reject 900 as insufficient stock', { timeout: 900_000 }, async (t) => {
    const [sku, customerId, placedFrom] = ['SKU-0001-01', 'cus_00011', new Date()] as const;
    const start = await setAvailable(mesh(), sku, WAREHOUSE, 100);
    const logBefore = await movementLog(mesh(), sku, WAREHOUSE);
    const sampler = sampleLevel(sku);

    const keys = Array.from({ length: 1000 }, (_, index) => `${RUN}-oversell-${index}`);
    const answers = await inPool(keys, 100, (key) => placeOrder(mesh(), webOrder(key, customerId, WAREHOUSE, [{ sku, quantity: 1 }])));
    for (const answer of answers) {
      if (answer.typename === 'OrderRejected') assert.equal(answer.reason, 'INSUFFICIENT_STOCK');
      else assert.ok(['CONFIRMED', 'PENDING'].includes(answer.status), `answered ${answer.status}`);
    }

    t.diagnostic(latencySummary(answers));
    const settleStarted = Date.now();
    const orders = await settle(mesh(), customerId, placedFrom, { stallMs: 90_000, capMs: 900_000 });
    t.diagnostic(`orders settled ${Date.now() - settleStarted} ms after the last answer`);
    t.diagnostic(decisionSummary(orders.values()));
    const samples = await sampler.stop();
    assertSameOrders(orders, answers);
    const counts = countByStatus(orders.values());
    assert.deepEqual(counts, { CONFIRMED: 100, REJECTED: 900 }, JSON.stringify(counts));
    for (const order of orders.values()) {
      if (order.status === 'REJECTED') assert.equal(order.statusHistory.at(-1)?.reason, 'INSUFFICIENT_STOCK', order.id);
    }

    const end = await stockOf(mesh(), sku, WAREHOUSE);
    assert.equal(end.reserved, start.reserved + 100, 'the confirmed orders hold exactly 100 units');
    assert.equal(end.onHand, start.onHand, 'reserving moves no stock');
    assert.equal(end.available, 0);
    assert.ok(samples.length >= 3, `sampled the level ${samples.length} times`);
    for (const sample of samples) {
      assert.ok(sample.available >= 0, JSON.stringify(sample));
      assert.ok(sample.reserved + sample.safetyStock <= sample.onHand, `reserved beyond free stock: ${JSON.stringify(sample)}`);
      assert.ok(sample.reserved <= start.reserved + 100, `over-reserved: ${JSON.stringify(sample)}`);
    }

    // Reservations are holds, not movements: the log is unchanged and still adds up to on hand.
    const logAfter = await movementLog(mesh(), sku, WAREHOUSE);
    assert.equal(logAfter.length, logBefore.length, 'placing orders wrote no stock movements');
    assert.equal(
      logAfter.reduce((sum, movement) => sum + movement.quantityDelta, 0),
      end.onHand,
      'the movement log sums to on hand',
    );
  });

  test('two-line orders are all or nothing: reserved units equal the confirmed orders’ quantities per SKU', { timeout: 600_000 }, async () => {
    const [skuA, skuB, customerId, placedFrom] = ['SKU-0001-02', 'SKU-0001-03', 'cus_00012', new Date()] as const;
    const startA = await setAvailable(mesh(), skuA, WAREHOUSE, 60);
    const startB = await setAvailable(mesh(), skuB, WAREHOUSE, 30);
    // 120 orders ask for 180 of A and 180 of B: B runs short long before A does.
    const shapes = Array.from({ length: 120 }, (_, index) =>
      index % 2 === 0
        ? [
            { sku: skuA, quantity: 2 },
            { sku: skuB, quantity: 1 },
          ]
        : [
            { sku: skuA, quantity: 1 },
            { sku: skuB, quantity: 2 },
          ],
    );
    const answers = await inPool(shapes, 60, (lines, index) => placeOrder(mesh(), webOrder(`${RUN}-two-line-${index}`, customerId, WAREHOUSE, lines)));
    const settled = await settle(mesh(), customerId, placedFrom, { stallMs: 90_000, capMs: 600_000 });
    assertSameOrders(settled, answers);
    const orders = [...settled.values()];
    const counts = countByStatus(orders);
    assert.equal((counts['CONFIRMED'] ?? 0) + (counts['REJECTED'] ?? 0), 120, JSON.stringify(counts));
    assert.ok((counts['CONFIRMED'] ?? 0) > 0 && (counts['REJECTED'] ?? 0) > 0, `both outcomes occur: ${JSON.stringify(counts)}`);

    const confirmedUnits = (sku: string) =>
      orders
        .filter((order) => order.status === 'CONFIRMED')
        .flatMap((order) => order.lines)
        .filter((line) => line.variant.sku === sku)
        .reduce((sum, line) => sum + line.quantity, 0);
    const [endA, endB] = await stocksOf(mesh(), [skuA, skuB], WAREHOUSE);
    assert.equal(endA!.reserved - startA.reserved, confirmedUnits(skuA), `${skuA}: a rejected order holds units`);
    assert.equal(endB!.reserved - startB.reserved, confirmedUnits(skuB), `${skuB}: a rejected order holds units`);
    assert.ok(confirmedUnits(skuA) <= 60 && confirmedUnits(skuB) <= 30, 'never more reserved than was available');
    // B (30 units) bounds the confirmed orders; with every order asking 1 or 2 of it, at most 1 unit may stay free.
    assert.ok(endB!.available <= 1, `B left ${endB!.available} units free while orders were rejected`);
  });

  test('the same idempotency key sent 20 times at once places one order and answers the same each time', { timeout: 300_000 }, async () => {
    const sku = 'SKU-0001-04';
    const customerId = 'cus_00002';
    const placedFrom = new Date();
    const start = await setAvailable(mesh(), sku, WAREHOUSE, 10);
    const countOrders = async () => {
      const response = await mesh().query(CustomerOrderCountDocument, { customerId }, admin);
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      return response.data!.orders.totalCount;
    };
    const ordersBefore = await countOrders();
    const input = webOrder(`${RUN}-same-key`, customerId, WAREHOUSE, [{ sku, quantity: 2 }]);

    const answers = await Promise.all(Array.from({ length: 20 }, () => placeOrder(mesh(), input)));
    assert.equal(new Set(answers.map((answer) => answer.orderId)).size, 1, 'one order for one key');
    for (const answer of answers) assert.deepEqual(answer.raw, answers[0]!.raw);
    assert.equal(answers[0]!.typename, 'OrderPlaced');
    const settled = await settle(mesh(), customerId, placedFrom, { stallMs: 60_000, capMs: 120_000 });
    assertSameOrders(settled, [answers[0]!]);
    const [order] = settled.values();
    assert.equal(order?.status, 'CONFIRMED');
    assert.equal(await countOrders(), ordersBefore + 1);
    assert.equal((await stockOf(mesh(), sku, WAREHOUSE)).reserved, start.reserved + 2, 'reserved once');

    const reused = await mesh().query(PlaceOrderDocument, { input: { ...input, lines: [{ sku, quantity: 3 }] } }, admin);
    assert.deepEqual(errorCodes(reused), ['IDEMPOTENCY_KEY_REUSED']);
    assert.equal(reused.data, null);
    const replay = await placeOrder(mesh(), input);
    assert.equal(replay.orderId, order.id);
    assert.equal(replay.status, 'CONFIRMED');
    assert.equal(await countOrders(), ordersBefore + 1, 'the refused request placed nothing');
    assert.equal((await stockOf(mesh(), sku, WAREHOUSE)).reserved, start.reserved + 2, 'the refused request reserved nothing');
  });
});
