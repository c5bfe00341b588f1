import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startNatsServer, type TestNatsServer } from '@mesh/mesh-runner';
import { inventorySubgraph } from '@mesh/inventory-subgraph';
import { productSubgraph } from '@mesh/product-subgraph';
import { principals, startTestDatabase, startTestSubgraph, type TestSubgraph } from '@mesh/test-kit';
import type { RunningDatabase } from '@mesh/embedded-mongo';
import { createOrderSubgraph } from '../src/module.js';
import type { OrderRecord } from '../src/models/order.model.js';
import { stockedAtWarehouse, USD_WAREHOUSE } from './order-test-helpers.js';

/**
 * Order intake under load: callers waiting for inventory's decision are woken by it (no polling),
 * and past its backlog the intake refuses new orders at once, retryably, writing nothing.
 * Inventory is started and stopped by the tests, to hold decisions back when they need to.
 */
let database: RunningDatabase;
let nats: TestNatsServer;
let product: TestSubgraph;
let inventory: TestSubgraph | null = null;
const replicas: TestSubgraph[] = [];
const orderDb = `test_intake_orders_${randomUUID().slice(0, 8)}`;
const inventoryDb = `test_intake_inventory_${randomUUID().slice(0, 8)}`;

const LOCATION = USD_WAREHOUSE;
const stocked = stockedAtWarehouse(5);

const PLACE = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) {
  ... on OrderPlaced { order { id status } }
  ... on OrderRejected { order { id status } }
} }`;
type Placed = { placeOrder: { order: { id: string; status: string } } };

function input(key: string, sku: string) {
  return {
    idempotencyKey: key,
    channel: 'WEB',
    customerId: 'cus_00001',
    currency: 'USD',
    lines: [{ sku, quantity: 1 }],
    fulfillment: { type: 'SHIP', locationId: LOCATION },
  };
}

async function startOrder(settings: {
  decisionWaitMs: number;
  intakeMaxBacklog?: number;
  intakeQueueWaitMs?: number;
  productUrl?: string;
  customerUrl?: string;
}): Promise<TestSubgraph> {
  const replica = await startTestSubgraph(createOrderSubgraph({ productUrl: product.url, ...settings }), {
    mongoUri: database.uri,
    natsUrl: nats.url,
    dbName: orderDb,
  });
  replicas.push(replica);
  return replica;
}

async function startInventory(): Promise<void> {
  inventory = await startTestSubgraph(inventorySubgraph, { mongoUri: database.uri, natsUrl: nats.url, dbName: inventoryDb });
}

async function stopInventory(): Promise<void> {
  await inventory?.close();
  inventory = null;
}

/** Queries the embedded server answered on the orders collection, by index or by scan. */
async function orderQueries(replica: TestSubgraph): Promise<number> {
  const stats = await replica.connection.db!.command({ meshQueryStats: 1 });
  const entry = (stats['namespaces'] as Record<string, { indexed: number; scans: number }>)[`${orderDb}.orders`];
  return (entry?.indexed ?? 0) + (entry?.scans ?? 0);
}

before(async () => {
  [database, nats] = await Promise.all([startTestDatabase(), startNatsServer()]);
  product = await startTestSubgraph(productSubgraph, { mongoUri: database.uri, natsUrl: nats.url });
  await startInventory();
});
after(async () => {
  await Promise.all(replicas.map((replica) => replica.close()));
  await stopInventory();
  await product?.close();
  await Promise.all([database?.stop(), nats?.stop()]);
});

describe('waiting for the decision', () => {
  test('callers waiting for a decision cost no reads while they wait: 40 callers for 2 s read the orders a few times each, not every 50 ms', async () => {
    const order = await startOrder({ decisionWaitMs: 2000 });
    await stopInventory(); // no decision comes: every caller waits its whole bound
    try {
      const before = await orderQueries(order);
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, index) =>
          order.request<Placed>(PLACE, { input: input(`wait-${randomUUID()}`, stocked[index % stocked.length]!) }, principals.admin),
        ),
      );
      const queries = (await orderQueries(order)) - before;
      for (const answer of answers) assert.equal(answer.data?.placeOrder.order.status, 'PENDING', JSON.stringify(answer.errors));
      // Per order: the key lookup, one read when the wait starts and one at its end, the PENDING
      // transition, and the relay's passes (shared). Polling every 50 ms would be 40 reads each.
      assert.ok(queries / 40 <= 8, `${queries} queries on orders for 40 waiting callers`);
    } finally {
      await startInventory();
    }
    // The undecided orders are decided once inventory is back (no caller retries).
    await waitForOrders(order, (orders) => orders.filter((record) => record.status === 'PENDING').length === 0);
  });

  test('a decision recorded by another replica wakes the caller: 20 orders on one of two replicas all answer decided, none PENDING', async () => {
    const [first] = await Promise.all([startOrder({ decisionWaitMs: 20_000 }), startOrder({ decisionWaitMs: 20_000 })]);
    // Both replicas consume inventory's decisions (one durable consumer, shared), so about half of
    // these orders are decided by the replica that is not waiting on them.
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, index) => first!.request<Placed>(PLACE, { input: input(`feed-${randomUUID()}`, stocked[index]!) }, principals.admin)),
    );
    for (const answer of answers) {
      assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
      assert.ok(['CONFIRMED', 'REJECTED'].includes(answer.data!.placeOrder.order.status), `answered ${answer.data!.placeOrder.order.status}`);
    }
  });
});

describe('admission control', () => {
  test('past its backlog, with no wait in line allowed, the intake refuses new orders at once with INTAKE_SATURATED and a retry hint, writes nothing, and admits them again once decided', async () => {
    const order = await startOrder({ decisionWaitMs: 1000, intakeMaxBacklog: 5, intakeQueueWaitMs: 0 });
    const admittedBefore = await order.connection.model<OrderRecord>('Order').countDocuments();
    await stopInventory(); // decisions held back: the first five orders stay in the backlog
    const keys = Array.from({ length: 12 }, () => `gate-${randomUUID()}`);
    let answers;
    try {
      answers = await Promise.all(keys.map((key, index) => order.request<Placed>(PLACE, { input: input(key, stocked[20 + index]!) }, principals.admin)));
      const admitted = answers.filter((answer) => answer.data?.placeOrder);
      const refused = answers.filter((answer) => answer.errors);
      assert.equal(admitted.length, 5, 'the backlog admits five');
      assert.equal(refused.length, 7);
      for (const answer of refused) {
        const extensions = answer.errors![0]!.extensions as { code: string; retryAfterMs: number; retryable: boolean };
        assert.equal(extensions.code, 'INTAKE_SATURATED');
        assert.equal(extensions.retryable, true);
        // No decision yet to measure a rate by: come back soon (not after the 30 s cap).
        assert.ok(extensions.retryAfterMs >= 250 && extensions.retryAfterMs <= 1500, `retryAfterMs ${extensions.retryAfterMs}`);
      }
      // Nothing of a refused order was written.
      assert.equal(await order.connection.model<OrderRecord>('Order').countDocuments(), admittedBefore + 5);
      const refusedKeys = keys.filter((_, index) => answers![index]!.errors);
      assert.equal(await order.connection.model<OrderRecord>('Order').countDocuments({ idempotencyKey: { $in: refusedKeys } }), 0);
    } finally {
      await startInventory();
    }
    // Decisions drain the backlog; the refused orders then go through with the same keys, sent
    // again after the hint as a client would (this replica learns of decisions other replicas
    // recorded from the status feed, a moment after they are stored).
    await waitForOrders(order, (orders) => orders.filter((record) => ['PLACED', 'PENDING'].includes(record.status)).length === 0);
    for (const [index, key] of keys.entries()) {
      if (!answers![index]!.errors) continue;
      const deadline = Date.now() + 30_000;
      for (;;) {
        const retried = await order.request<Placed>(PLACE, { input: input(key, stocked[20 + index]!) }, principals.admin);
        if (!retried.errors) break;
        const extensions = retried.errors[0]!.extensions as { code: string; retryAfterMs: number };
        assert.equal(extensions.code, 'INTAKE_SATURATED', JSON.stringify(retried.errors));
        assert.ok(Date.now() < deadline, 'the backlog never drained');
        await new Promise((resolve) => setTimeout(resolve, Math.min(extensions.retryAfterMs, 1000)));
      }
    }
    assert.equal(await order.connection.model<OrderRecord>('Order').countDocuments({ idempotencyKey: { $in: keys } }), 12, 'one order per key');
  });
});

describe('the line past the backlog', () => {
  test('callers past the backlog wait in line and are placed as decisions free places: none is refused, nothing is written twice', async () => {
    // Decisions are held back until every caller has arrived, so the line is certain to form; the
    // waits are long so that restarting inventory on a busy machine still fits in them.
    const order = await startOrder({ decisionWaitMs: 16_000, intakeMaxBacklog: 3, intakeQueueWaitMs: 7000 });
    const keys = Array.from({ length: 6 }, () => `line-${randomUUID()}`);
    await stopInventory();
    let answers: Promise<{ data?: Placed | null; errors?: readonly { extensions?: Record<string, unknown> }[] }>[] = [];
    try {
      answers = keys.map((key, index) => order.request<Placed>(PLACE, { input: input(key, stocked[60 + index]!) }, principals.admin));
      // The first three are stored and wait for a decision; the other three wait in line, unstored.
      await waitForOrders(order, (orders) => orders.filter((record) => keys.includes(record.idempotencyKey)).length >= 3);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(
        await order.connection.model<OrderRecord>('Order').countDocuments({ idempotencyKey: { $in: keys } }),
        3,
        'the backlog holds three; the rest wait unstored',
      );
    } finally {
      await startInventory();
    }
    const settled = await Promise.all(answers);
    for (const answer of settled) assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
    assert.equal(new Set(settled.map((answer) => answer.data!.placeOrder.order.id)).size, 6);
    assert.equal(await order.connection.model<OrderRecord>('Order').countDocuments({ idempotencyKey: { $in: keys } }), 6, 'one order per key');
  });
});

/** Places one order on a replica whose `dependency` is down: it must refuse with `code`, retryable with a hint, and write nothing. */
async function assertRefusedWhileDown(dependency: { productUrl: string } | { customerUrl: string }, code: string, key: string, sku: string): Promise<void> {
  const order = await startOrder({ decisionWaitMs: 1000, ...dependency });
  const answer = await order.request<Placed>(PLACE, { input: input(key, sku) }, principals.admin);
  const extensions = answer.errors?.[0]?.extensions as { code: string; retryable: boolean; retryAfterMs: number } | undefined;
  assert.equal(extensions?.code, code, JSON.stringify(answer.errors));
  assert.equal(extensions?.retryable, true);
  assert.ok(extensions!.retryAfterMs > 0);
  assert.equal(await order.connection.model<OrderRecord>('Order').countDocuments({ idempotencyKey: key }), 0);
}

describe('when the catalog or the customer domain cannot price an order', () => {
  test('placeOrder answers CATALOG_UNAVAILABLE, retryable with a hint, and writes nothing', async () => {
    // Nothing listens on port 1: the product subgraph is "down" for this replica.
    await assertRefusedWhileDown({ productUrl: 'http://127.0.0.1:1/graphql' }, 'CATALOG_UNAVAILABLE', `catalog-${randomUUID()}`, stocked[40]!);
  });

  test('placeOrder answers CUSTOMER_UNAVAILABLE, retryable with a hint, and writes nothing when the customer domain cannot tell the tier', async () => {
    // Nothing listens on port 1: the customer subgraph is "down" for this replica.
    await assertRefusedWhileDown({ customerUrl: 'http://127.0.0.1:1/graphql' }, 'CUSTOMER_UNAVAILABLE', `customer-${randomUUID()}`, stocked[41]!);
  });
});

async function waitForOrders(
  order: TestSubgraph,
  done: (orders: Pick<OrderRecord, 'status' | 'idempotencyKey'>[]) => boolean,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const orders = await order.connection
      .model<OrderRecord>('Order')
      .find({}, { status: 1, idempotencyKey: 1 })
      .lean<Pick<OrderRecord, 'status' | 'idempotencyKey'>[]>();
    if (done(orders)) return;
    if (Date.now() > deadline) throw new Error('timed out waiting for the orders to be decided');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
