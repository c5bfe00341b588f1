import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { print } from 'graphql';
import { principals } from '@mesh/test-kit';
import { RecordStockMovementDocument, ShipOrderDocument } from '../__generated__/operations.js';
import { errorCodes, startMeshUnderTest, type MeshUnderTest } from '../mesh-fixture.js';
import { admin, placeOrder, stockOf, webOrder } from '../workflows/workflow-kit.js';
import { signDevToken } from '../../src/module.js';
import { eventually, latencyLine, subscribe, type LiveSubscriber } from './live-kit.js';

// Federated subscriptions end to end: every service a separate process, a real nats-server, real
// graphql-ws sockets to the gateway, mutations through the gateway over HTTP.
const WAREHOUSE = 'loc_wh_nj';
const RUN = Date.now().toString(36);

let meshUnderTest: MeshUnderTest | undefined;
const mesh = (): MeshUnderTest => {
  if (!meshUnderTest) throw new Error('mesh not started');
  return meshUnderTest;
};

before(async () => {
  meshUnderTest = await startMeshUnderTest({
    INVENTORY_RELAY_INTERVAL_MS: '50',
    ORDER_RELAY_INTERVAL_MS: '50',
    INVENTORY_EXPIRY_INTERVAL_MS: '60000',
    WS_MAX_SOCKETS_PER_CLIENT: '100',
    WS_UPSTREAM_RETRY_MAX_MS: '1000',
  });
}, { timeout: 300_000 });
after(async () => {
  await meshUnderTest?.stop();
});

type AvailabilityEvent = {
  availabilityChanged: {
    cursor?: string;
    kind?: string;
    sku: string;
    available: number;
    previousAvailable: number | null;
    location?: { name: string; region: string };
    variant?: { product: { name: string }; price: { amount: string; currency: string } | null };
  };
};

const WATCH_AVAILABILITY = /* GraphQL */ `
  subscription WatchAvailability($skus: [ID!]!, $locationIds: [ID!], $after: String) {
    availabilityChanged(skus: $skus, locationIds: $locationIds, after: $after) {
      cursor kind sku available previousAvailable
      location { name region }
      variant { product { name } price { amount currency } }
    }
  }
`;

/** Records a movement through the gateway over HTTP and answers when the gateway answered. */
async function receive(sku: string, quantity: number, key: string): Promise<void> {
  const response = await mesh().query(
    RecordStockMovementDocument,
    { input: { sku, locationId: WAREHOUSE, type: 'RECEIPT', quantity, idempotencyKey: `${RUN}-${key}`, reason: 'subscription test' } },
    admin,
  );
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  assert.equal(response.data?.recordStockMovement.__typename, 'StockMovementRecorded');
}

/** Records a movement through the gateway at `gatewayUrl` (any replica) over HTTP. */
async function receiveThrough(gatewayUrl: string, sku: string, quantity: number, key: string): Promise<void> {
  const response = await fetch(gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await signDevToken(admin)}` },
    body: JSON.stringify({
      query: print(RecordStockMovementDocument),
      variables: { input: { sku, locationId: WAREHOUSE, type: 'RECEIPT', quantity, idempotencyKey: `${RUN}-${key}`, reason: 'replica test' } },
    }),
  });
  const body = (await response.json()) as { data?: { recordStockMovement: { __typename: string } }; errors?: unknown };
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  assert.equal(body.data?.recordStockMovement.__typename, 'StockMovementRecorded');
}

const changesOf = (subscriber: LiveSubscriber<AvailabilityEvent>) => subscriber.results.map((entry) => entry.result.data?.availabilityChanged);

describe('federated subscriptions through the gateway', () => {
  test('an availability subscription receives every requested field from inventory and product for each movement', async (t) => {
    const sku = 'SKU-0002-01';
    const catalog = await mesh().query<{ location: { name: string; region: string }; variant: { product: { name: string }; price: { amount: string; currency: string } } }, Record<string, never>>(
      `query { location(id: "${WAREHOUSE}") { name region } variant(sku: "${sku}") { product { name } price { amount currency } } }`,
      {},
      admin,
    );
    assert.equal(catalog.errors, undefined, JSON.stringify(catalog.errors));
    const subscriber = await subscribe<AvailabilityEvent>(mesh().mesh.gatewayUrl, WATCH_AVAILABILITY, { skus: [sku], locationIds: [WAREHOUSE] });
    await sleep(500); // The subscription reaches the subgraph before the first movement.
    const latencies: number[] = [];
    for (const [index, quantity] of [3, 4, 5].entries()) {
      const before = await stockOf(mesh(), sku, WAREHOUSE);
      const sentAt = performance.now();
      await receive(sku, quantity, `four-${index}`);
      const [event] = (await subscriber.waitFor(index + 1)).slice(index);
      latencies.push(subscriber.results[index]!.at - sentAt);
      assert.equal(event?.errors, undefined, JSON.stringify(event?.errors));
      assert.deepEqual(event?.data?.availabilityChanged, {
        cursor: event?.data?.availabilityChanged.cursor,
        kind: 'CHANGE',
        sku,
        available: before.available + quantity,
        previousAvailable: before.available,
        location: catalog.data!.location,
        variant: catalog.data!.variant,
      });
      assert.match(event?.data?.availabilityChanged.cursor ?? '', /^[A-Za-z0-9_-]+$/);
    }
    t.diagnostic(latencyLine('availability delivery latency', latencies));
    await subscriber.close();
  });

  test('an order-status subscription resolves customer, lines, variants, availability and postings for each transition', async (t) => {
    const customerId = 'cus_00021';
    const sku = 'SKU-0003-01';
    const customer = await mesh().query<{ customer: { name: string; loyaltyTier: string } }, Record<string, never>>(`query { customer(id: "${customerId}") { name loyaltyTier } }`, {}, admin);
    assert.equal(customer.errors, undefined, JSON.stringify(customer.errors));
    const productName = await mesh().query<{ variant: { product: { name: string } } }, Record<string, never>>(`query { variant(sku: "${sku}") { product { name } } }`, {}, admin);
    const subscriber = await subscribe<{ orderStatusChanged: { cursor: string; kind: string; status: string; previousStatus: string | null; order: { id: string; number: string; customer: { name: string; loyaltyTier: string }; lines: { quantity: number; variant: { sku: string; product: { name: string }; availability: { available: number } } }[]; journalEntries: { memo: string }[] | null } } }>(
      mesh().mesh.gatewayUrl,
      `subscription WatchOrders($customerId: ID) {
        orderStatusChanged(customerId: $customerId) {
          cursor kind status previousStatus
          order { id number customer { name loyaltyTier } lines { quantity variant { sku product { name } availability { available } } } journalEntries { memo } }
        }
      }`,
      { customerId },
      admin,
    );
    await sleep(500);
    const sentAt = performance.now();
    const placed = await placeOrder(mesh(), webOrder(`${RUN}-status-1`, customerId, WAREHOUSE, [{ sku, quantity: 2 }]));
    await eventually('the order to be confirmed', 20_000, () => subscriber.results.some((entry) => entry.result.data?.orderStatusChanged.status === 'CONFIRMED'));
    const confirmedAt = subscriber.results.find((entry) => entry.result.data?.orderStatusChanged.status === 'CONFIRMED')!.at;
    const shipSentAt = performance.now();
    const shipped = await mesh().query(ShipOrderDocument, { orderId: placed.orderId, idempotencyKey: `${RUN}-ship-1` }, admin);
    assert.equal(shipped.errors, undefined, JSON.stringify(shipped.errors));
    await eventually('the shipment to be pushed', 20_000, () => subscriber.results.some((entry) => entry.result.data?.orderStatusChanged.status === 'SHIPPED'));
    const shippedEntry = subscriber.results.find((entry) => entry.result.data?.orderStatusChanged.status === 'SHIPPED')!;
    t.diagnostic(`order status delivery latency: placeOrder sent -> CONFIRMED received ${Math.round(confirmedAt - sentAt)} ms; shipOrder sent -> SHIPPED received ${Math.round(shippedEntry.at - shipSentAt)} ms`);

    const statuses = subscriber.results.map((entry) => entry.result.data?.orderStatusChanged);
    assert.deepEqual(statuses.map((update) => update?.status), [...(statuses[0]?.status === 'PLACED' ? ['PLACED'] : []), 'CONFIRMED', 'SHIPPED']);
    for (const entry of subscriber.results) {
      assert.equal(entry.result.errors, undefined, JSON.stringify(entry.result.errors));
      const update = entry.result.data!.orderStatusChanged;
      assert.equal(update.kind, 'CHANGE');
      assert.equal(update.order.id, placed.orderId);
      assert.match(update.order.number, /\S/);
      assert.deepEqual(update.order.customer, customer.data!.customer);
      assert.equal(update.order.lines.length, 1);
      const [line] = update.order.lines;
      assert.equal(line?.quantity, 2);
      assert.equal(line?.variant.sku, sku);
      assert.equal(line?.variant.product.name, productName.data!.variant.product.name);
      assert.equal(typeof line?.variant.availability.available, 'number');
      assert.ok(Array.isArray(update.order.journalEntries), 'journalEntries resolved by the ledger');
    }
    const shippedUpdate = shippedEntry.result.data!.orderStatusChanged;
    assert.equal(shippedUpdate.previousStatus, 'CONFIRMED');
    await subscriber.close();
  });

  test('a subscriber that lost its connection and resubscribes with its last cursor gets exactly the three missed movements in order, then live ones', async () => {
    const sku = 'SKU-0004-01';
    const first = await subscribe<AvailabilityEvent>(mesh().mesh.gatewayUrl, WATCH_AVAILABILITY, { skus: [sku], locationIds: [WAREHOUSE] });
    await sleep(500);
    await receive(sku, 1, 'resume-0');
    const [seen] = await first.waitFor(1);
    const lastCursor = seen!.data!.availabilityChanged.cursor!;
    const base = seen!.data!.availabilityChanged.available;
    first.kill();
    await first.ended;
    for (const [index, quantity] of [2, 3, 4].entries()) await receive(sku, quantity, `resume-${index + 1}`);
    // The three are published (the outbox relay runs every 50 ms) before the client comes back.
    await eventually('the three movements to be applied', 10_000, async () => (await stockOf(mesh(), sku, WAREHOUSE)).available === base + 9);
    await sleep(500);
    const second = await subscribe<AvailabilityEvent>(mesh().mesh.gatewayUrl, WATCH_AVAILABILITY, { skus: [sku], locationIds: [WAREHOUSE], after: lastCursor });
    await second.waitFor(3);
    await sleep(1000); // Nothing else arrives: no duplicate of the event before the cursor, none twice.
    assert.deepEqual(changesOf(second).map((update) => [update?.previousAvailable, update?.available]), [
      [base, base + 2],
      [base + 2, base + 5],
      [base + 5, base + 9],
    ]);
    await receive(sku, 5, 'resume-live');
    await second.waitFor(4);
    const updates = changesOf(second);
    assert.deepEqual([updates[3]?.kind, updates[3]?.previousAvailable, updates[3]?.available], ['CHANGE', base + 9, base + 14]);
    assert.equal(new Set(updates.map((update) => update?.cursor)).size, 4, 'every update has its own cursor');
    assert.ok(!updates.some((update) => update?.cursor === lastCursor));
    await second.close();
  });

  test('with two gateways and two inventory replicas on one NATS, each gateway\'s subscribers see the movements recorded through the other', async () => {
    const sku = 'SKU-0007-01';
    // Gateway B talks to inventory B only; gateway A (the mesh's) to inventory A only.
    const inventoryB = await mesh().mesh.startReplica('inventory');
    const gatewayB = await mesh().mesh.startReplica('gateway', { subgraphUrls: { inventory: inventoryB.url } });
    try {
      const onA = await subscribe<AvailabilityEvent>(mesh().mesh.gatewayUrl, WATCH_AVAILABILITY, { skus: [sku], locationIds: [WAREHOUSE] });
      const onB = await subscribe<AvailabilityEvent>(gatewayB.url, WATCH_AVAILABILITY, { skus: [sku], locationIds: [WAREHOUSE] });
      await sleep(500);
      const before = (await stockOf(mesh(), sku, WAREHOUSE)).available;
      await receiveThrough(gatewayB.url, sku, 2, 'replica-via-b');
      await onA.waitFor(1);
      await receiveThrough(mesh().mesh.gatewayUrl, sku, 3, 'replica-via-a');
      await onB.waitFor(2);
      await onA.waitFor(2);
      await sleep(500); // Nothing is delivered twice although two replicas consume the same stream.
      for (const subscriber of [onA, onB]) {
        for (const entry of subscriber.results) assert.equal(entry.result.errors, undefined, JSON.stringify(entry.result.errors));
        assert.deepEqual(changesOf(subscriber).map((update) => [update?.previousAvailable, update?.available]), [
          [before, before + 2],
          [before + 2, before + 5],
        ]);
      }
      // The cursors name positions in the one shared stream, whichever replica served the subscriber.
      assert.deepEqual(changesOf(onA).map((update) => update?.cursor), changesOf(onB).map((update) => update?.cursor));
      await Promise.all([onA.close(), onB.close()]);
    } finally {
      await gatewayB.stop();
      await inventoryB.stop();
    }
  });

  test('fifty subscribers that did not select the cursor all resume across an inventory restart without losing or repeating a movement', { timeout: 180_000 }, async (t) => {
    const sku = 'SKU-0005-01';
    const query = `subscription Watch($skus: [ID!]!) { availabilityChanged(skus: $skus, locationIds: ["${WAREHOUSE}"]) { sku available previousAvailable } }`;
    const subscribers = await Promise.all(Array.from({ length: 50 }, () => subscribe<AvailabilityEvent>(mesh().mesh.gatewayUrl, query, { skus: [sku] })));
    await sleep(1000);
    const expected: number[] = [];
    const record = async (quantity: number, key: string) => {
      await receive(sku, quantity, key);
      expected.push((await stockOf(mesh(), sku, WAREHOUSE)).available);
    };
    await record(1, 'restart-before');
    await eventually('every subscriber to see the first movement', 20_000, () => subscribers.every((subscriber) => subscriber.results.length >= 1));
    const restartedAt = Date.now();
    await mesh().mesh.stopSubgraph('inventory');
    await mesh().mesh.startSubgraph('inventory');
    // Recorded while the gateway is still reconnecting upstream (it backs off up to 1 s).
    await record(2, 'restart-during-1');
    await record(3, 'restart-during-2');
    await eventually('every subscriber to resume', 60_000, () => subscribers.every((subscriber) => subscriber.results.length >= 3));
    t.diagnostic(`all 50 subscribers caught up ${Date.now() - restartedAt} ms after the restart began`);
    await record(4, 'restart-after');
    await eventually('every subscriber to see the movement after the restart', 20_000, () => subscribers.every((subscriber) => subscriber.results.length >= 4));
    await sleep(500);
    for (const subscriber of subscribers) {
      for (const entry of subscriber.results) assert.equal(entry.result.errors, undefined, JSON.stringify(entry.result.errors));
      assert.deepEqual(changesOf(subscriber).map((update) => update?.available), expected);
      assert.deepEqual(Object.keys(subscriber.results[0]!.result.data!.availabilityChanged), ['sku', 'available', 'previousAvailable'], 'the cursor the gateway added is not shown');
    }
    await Promise.all(subscribers.map((subscriber) => subscriber.close()));
  });

  test('an anonymous order-status subscription is refused, and customer A never receives customer B\'s orders', async () => {
    const anonymous = await subscribe<unknown>(mesh().mesh.gatewayUrl, 'subscription { orderStatusChanged(customerId: "cus_00031") { status } }', {});
    await anonymous.ended;
    assert.deepEqual(anonymous.results.flatMap((entry) => errorCodes({ status: 200, ...entry.result } as never)), ['UNAUTHENTICATED']);

    const [a, b] = ['cus_00032', 'cus_00033'];
    const snooping = await subscribe<unknown>(mesh().mesh.gatewayUrl, `subscription { orderStatusChanged(customerId: "${b}") { status } }`, {}, principals.customer(a));
    await snooping.ended;
    assert.deepEqual(snooping.results.flatMap((entry) => errorCodes({ status: 200, ...entry.result } as never)), ['FORBIDDEN']);

    // A watches every order at the warehouse: only A's own may reach them.
    const watcher = await subscribe<{ orderStatusChanged: { status: string; order: { id: string } } }>(
      mesh().mesh.gatewayUrl,
      `subscription { orderStatusChanged(locationId: "${WAREHOUSE}") { status order { id } } }`,
      {},
      principals.customer(a),
    );
    const staff = await subscribe<{ orderStatusChanged: { status: string; order: { id: string } } }>(
      mesh().mesh.gatewayUrl,
      `subscription { orderStatusChanged(locationId: "${WAREHOUSE}") { status order { id } } }`,
      {},
      principals.associate,
    );
    await sleep(500);
    const ofB = await placeOrder(mesh(), webOrder(`${RUN}-b-1`, b, WAREHOUSE, [{ sku: 'SKU-0006-01', quantity: 1 }]));
    const ofA = await placeOrder(mesh(), webOrder(`${RUN}-a-1`, a, WAREHOUSE, [{ sku: 'SKU-0006-01', quantity: 1 }]));
    await eventually('A to see their own order confirmed', 20_000, () => watcher.results.some((entry) => entry.result.data?.orderStatusChanged.status === 'CONFIRMED'));
    await eventually('staff to see both orders confirmed', 20_000, () => staff.results.filter((entry) => entry.result.data?.orderStatusChanged.status === 'CONFIRMED').length >= 2);
    await sleep(500);
    const seenByA = new Set(watcher.results.map((entry) => entry.result.data?.orderStatusChanged.order.id));
    assert.deepEqual(seenByA, new Set([ofA.orderId]));
    const seenByStaff = new Set(staff.results.map((entry) => entry.result.data?.orderStatusChanged.order.id));
    assert.ok(seenByStaff.has(ofA.orderId) && seenByStaff.has(ofB.orderId));
    await Promise.all([watcher.close(), staff.close()]);
  });
});
