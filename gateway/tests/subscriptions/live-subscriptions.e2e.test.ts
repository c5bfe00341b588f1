import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { print } from 'graphql';
import { principals } from '@mesh/test-kit';
import { RecordStockMovementDocument, ShipOrderDocument } from '../__generated__/operations.js';
import { errorCodes, meshForThisFile } from '../mesh-fixture.js';
import { admin, placeOrder, stockOf, webOrder } from '../workflows/workflow-kit.js';
import { signDevToken } from '../../src/module.js';
import { eventually, latencyLine, subscribe, type LiveSubscriber } from './live-kit.js';

// Federated subscriptions end to end: every service a separate process, a real nats-server, real
// graphql-ws sockets to the gateway, mutations through the gateway over HTTP.
const WAREHOUSE = 'loc_wh_nj';
const RUN = Date.now().toString(36);

const mesh = meshForThisFile({
  INVENTORY_RELAY_INTERVAL_MS: '50',
  ORDER_RELAY_INTERVAL_MS: '50',
  INVENTORY_EXPIRY_INTERVAL_MS: '60000',
  WS_MAX_SOCKETS_PER_CLIENT: '100',
  WS_UPSTREAM_RETRY_MAX_MS: '1000',
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
      cursor
      kind
      sku
      available
      previousAvailable
      location {
        name
        region
      }
      variant {
        product {
          name
        }
        price {
          amount
          currency
        }
      }
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

/**
 * Records warm-up movements of `sku` at the warehouse until every subscriber has received the
 * latest one; answers how many results each holds by then (the tests look past them). A
 * subscription without a cursor starts at the stream's position when inventory opened it, which
 * the client cannot see: once a subscriber has the update of the latest movement it is live (later
 * movements reach it), and no earlier one can still arrive (it delivers in stream order). A fixed
 * pause after subscribing covers that only on a quiet machine.
 */
async function untilLive(subscribers: readonly LiveSubscriber<AvailabilityEvent>[], sku: string, label: string): Promise<number[]> {
  const deadline = Date.now() + 60_000;
  for (let attempt = 1; ; attempt++) {
    await receive(sku, 1, `${label}-warm-up-${attempt}`);
    const { available } = await stockOf(mesh(), sku, WAREHOUSE);
    const caughtUp = () => subscribers.every((subscriber) => subscriber.results.at(-1)?.result.data?.availabilityChanged.available === available);
    // Not a budget: a subscriber that was not live yet never gets this movement, so after a while
    // the next one is recorded; one that is merely slow gets that one too.
    for (const retryAt = Date.now() + 2000; !caughtUp() && Date.now() < retryAt;) await sleep(25);
    if (caughtUp()) return subscribers.map((subscriber) => subscriber.results.length);
    if (Date.now() > deadline) assert.fail(`the subscribers were not live after ${attempt} warm-up movements`);
  }
}

type OrderStatusEvent = { orderStatusChanged: { status: string; order: { id: string } } };

/**
 * Places warm-up orders of `customerId` at the warehouse until every subscriber (each of which
 * receives that customer's orders there) has received an update of the latest one, and answers
 * their ids: the subscribers are live then (see untilLive).
 */
async function untilLiveOrders(
  subscribers: readonly LiveSubscriber<OrderStatusEvent>[],
  customerId: string,
  lines: readonly { sku: string; quantity: number }[],
  label: string,
): Promise<Set<string>> {
  const warmUps = new Set<string>();
  const deadline = Date.now() + 120_000;
  for (let attempt = 1; ; attempt++) {
    const { orderId } = await placeOrder(mesh(), webOrder(`${RUN}-${label}-warm-up-${attempt}`, customerId, WAREHOUSE, lines));
    warmUps.add(orderId);
    const caughtUp = () => subscribers.every((subscriber) => subscriber.results.some((entry) => entry.result.data?.orderStatusChanged.order.id === orderId));
    for (const retryAt = Date.now() + 5000; !caughtUp() && Date.now() < retryAt;) await sleep(25);
    if (caughtUp()) return warmUps;
    if (Date.now() > deadline) assert.fail(`the subscribers were not live after ${attempt} warm-up orders`);
  }
}

describe('federated subscriptions through the gateway', () => {
  test('an availability subscription receives every requested field from inventory and product for each movement', async (t) => {
    const sku = 'SKU-0002-01';
    const catalog = await mesh().query<
      { location: { name: string; region: string }; variant: { product: { name: string }; price: { amount: string; currency: string } } },
      Record<string, never>
    >(`query { location(id: "${WAREHOUSE}") { name region } variant(sku: "${sku}") { product { name } price { amount currency } } }`, {}, admin);
    assert.equal(catalog.errors, undefined, JSON.stringify(catalog.errors));
    const subscriber = await subscribe<AvailabilityEvent>(mesh().mesh.gatewayUrl, WATCH_AVAILABILITY, { skus: [sku], locationIds: [WAREHOUSE] });
    const [live] = await untilLive([subscriber], sku, 'four');
    const latencies: number[] = [];
    for (const [index, quantity] of [3, 4, 5].entries()) {
      const before = await stockOf(mesh(), sku, WAREHOUSE);
      const sentAt = performance.now();
      await receive(sku, quantity, `four-${index}`);
      const [event] = (await subscriber.waitFor(live! + index + 1)).slice(live! + index);
      latencies.push(subscriber.results[live! + index]!.at - sentAt);
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
    const customer = await mesh().query<{ customer: { name: string; loyaltyTier: string } }, Record<string, never>>(
      `query { customer(id: "${customerId}") { name loyaltyTier } }`,
      {},
      admin,
    );
    assert.equal(customer.errors, undefined, JSON.stringify(customer.errors));
    const productName = await mesh().query<{ variant: { product: { name: string } } }, Record<string, never>>(
      `query { variant(sku: "${sku}") { product { name } } }`,
      {},
      admin,
    );
    const subscriber = await subscribe<
      OrderStatusEvent & {
        orderStatusChanged: {
          cursor: string;
          kind: string;
          status: string;
          previousStatus: string | null;
          order: {
            id: string;
            number: string;
            customer: { name: string; loyaltyTier: string };
            lines: { quantity: number; variant: { sku: string; product: { name: string }; availability: { available: number } } }[];
            journalEntries: { memo: string }[] | null;
          };
        };
      }
    >(
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
    const lines = [{ sku, quantity: 2 }];
    const warmUps = await untilLiveOrders([subscriber], customerId, lines, 'status');
    const ofPlaced = () => subscriber.results.filter((entry) => entry.result.data?.orderStatusChanged.order.id === placed.orderId);
    const sentAt = performance.now();
    const placed = await placeOrder(mesh(), webOrder(`${RUN}-status-1`, customerId, WAREHOUSE, lines));
    await eventually('the order to be confirmed', 20_000, () => ofPlaced().some((entry) => entry.result.data?.orderStatusChanged.status === 'CONFIRMED'));
    const confirmedAt = ofPlaced().find((entry) => entry.result.data?.orderStatusChanged.status === 'CONFIRMED')!.at;
    const shipSentAt = performance.now();
    const shipped = await mesh().query(ShipOrderDocument, { orderId: placed.orderId, idempotencyKey: `${RUN}-ship-1` }, admin);
    assert.equal(shipped.errors, undefined, JSON.stringify(shipped.errors));
    // Shipping captures the payment and completes the order in the same write: COMPLETED follows SHIPPED.
    await eventually('the shipment and completion to be pushed', 20_000, () =>
      ofPlaced().some((entry) => entry.result.data?.orderStatusChanged.status === 'COMPLETED'),
    );
    const shippedEntry = ofPlaced().find((entry) => entry.result.data?.orderStatusChanged.status === 'SHIPPED')!;
    t.diagnostic(
      `order status delivery latency: placeOrder sent -> CONFIRMED received ${Math.round(confirmedAt - sentAt)} ms; shipOrder sent -> SHIPPED received ${Math.round(shippedEntry.at - shipSentAt)} ms`,
    );

    // The subscription was live before the order was placed: its every transition, in order.
    const statuses = ofPlaced().map((entry) => entry.result.data?.orderStatusChanged);
    // PENDING only when inventory took longer than placeOrder's 3 s wait (a loaded machine).
    const pending = statuses.some((update) => update?.status === 'PENDING') ? ['PENDING'] : [];
    assert.deepEqual(
      statuses.map((update) => update?.status),
      ['PLACED', ...pending, 'CONFIRMED', 'SHIPPED', 'COMPLETED'],
    );
    for (const entry of subscriber.results) {
      assert.equal(entry.result.errors, undefined, JSON.stringify(entry.result.errors));
      const update = entry.result.data!.orderStatusChanged;
      assert.equal(update.kind, 'CHANGE');
      assert.ok(update.order.id === placed.orderId || warmUps.has(update.order.id), `${update.order.id} is an order of ${customerId}`);
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
    const [live] = await untilLive([first], sku, 'resume');
    await receive(sku, 1, 'resume-0');
    const [seen] = (await first.waitFor(live! + 1)).slice(live!);
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
    // Then a live one: a subscription delivers in stream order, so a duplicate of a missed movement,
    // or the one before the cursor, would come before it (a pause proves that on a quiet machine only).
    await receive(sku, 5, 'resume-live');
    await second.waitFor(4);
    assert.deepEqual(
      changesOf(second).map((update) => [update?.previousAvailable, update?.available]),
      [
        [base, base + 2],
        [base + 2, base + 5],
        [base + 5, base + 9],
        [base + 9, base + 14],
      ],
    );
    const updates = changesOf(second);
    assert.deepEqual([updates[3]?.kind, updates[3]?.previousAvailable, updates[3]?.available], ['CHANGE', base + 9, base + 14]);
    assert.equal(new Set(updates.map((update) => update?.cursor)).size, 4, 'every update has its own cursor');
    assert.ok(!updates.some((update) => update?.cursor === lastCursor));
    await second.close();
  });

  test("with two gateways and two inventory replicas on one NATS, each gateway's subscribers see the movements recorded through the other", async () => {
    const sku = 'SKU-0007-01';
    // Gateway B talks to inventory B only; gateway A (the mesh's) to inventory A only.
    const inventoryB = await mesh().mesh.startReplica('inventory');
    const gatewayB = await mesh().mesh.startReplica('gateway', { subgraphUrls: { inventory: inventoryB.url } });
    try {
      const onA = await subscribe<AvailabilityEvent>(mesh().mesh.gatewayUrl, WATCH_AVAILABILITY, { skus: [sku], locationIds: [WAREHOUSE] });
      const onB = await subscribe<AvailabilityEvent>(gatewayB.url, WATCH_AVAILABILITY, { skus: [sku], locationIds: [WAREHOUSE] });
      const [liveA, liveB] = (await untilLive([onA, onB], sku, 'replica')) as [number, number];
      const before = (await stockOf(mesh(), sku, WAREHOUSE)).available;
      await receiveThrough(gatewayB.url, sku, 2, 'replica-via-b');
      await onA.waitFor(liveA + 1);
      await receiveThrough(mesh().mesh.gatewayUrl, sku, 3, 'replica-via-a');
      await onB.waitFor(liveB + 2);
      await onA.waitFor(liveA + 2);
      // Nothing is delivered twice although two replicas consume the same stream: a last movement
      // comes after any repeat (a subscription delivers in stream order).
      await receiveThrough(mesh().mesh.gatewayUrl, sku, 1, 'replica-last');
      await onA.waitFor(liveA + 3);
      await onB.waitFor(liveB + 3);
      for (const [subscriber, live] of [
        [onA, liveA],
        [onB, liveB],
      ] as const) {
        for (const entry of subscriber.results) assert.equal(entry.result.errors, undefined, JSON.stringify(entry.result.errors));
        assert.deepEqual(
          changesOf(subscriber)
            .slice(live)
            .map((update) => [update?.previousAvailable, update?.available]),
          [
            [before, before + 2],
            [before + 2, before + 5],
            [before + 5, before + 6],
          ],
        );
      }
      // The cursors name positions in the one shared stream, whichever replica served the subscriber.
      assert.deepEqual(
        changesOf(onA)
          .slice(liveA)
          .map((update) => update?.cursor),
        changesOf(onB)
          .slice(liveB)
          .map((update) => update?.cursor),
      );
      await Promise.all([onA.close(), onB.close()]);
    } finally {
      await gatewayB.stop();
      await inventoryB.stop();
    }
  });

  test(
    'fifty subscribers that did not select the cursor all resume across an inventory restart without losing or repeating a movement',
    { timeout: 300_000 },
    async (t) => {
      const sku = 'SKU-0005-01';
      const query = `subscription Watch($skus: [ID!]!) { availabilityChanged(skus: $skus, locationIds: ["${WAREHOUSE}"]) { sku available previousAvailable } }`;
      const subscribers = await Promise.all(Array.from({ length: 50 }, () => subscribe<AvailabilityEvent>(mesh().mesh.gatewayUrl, query, { skus: [sku] })));
      const live = await untilLive(subscribers, sku, 'restart');
      const seenSince = (subscriber: LiveSubscriber<AvailabilityEvent>) => subscriber.results.length - live[subscribers.indexOf(subscriber)]!;
      const expected: number[] = [];
      const record = async (quantity: number, key: string) => {
        await receive(sku, quantity, key);
        expected.push((await stockOf(mesh(), sku, WAREHOUSE)).available);
      };
      await record(1, 'restart-before');
      await eventually('every subscriber to see the first movement', 20_000, () => subscribers.every((subscriber) => seenSince(subscriber) >= 1));
      const restartedAt = Date.now();
      await mesh().mesh.stopSubgraph('inventory');
      await mesh().mesh.startSubgraph('inventory');
      // Recorded while the gateway is still reconnecting upstream (it backs off up to 1 s).
      await record(2, 'restart-during-1');
      await record(3, 'restart-during-2');
      await eventually('every subscriber to resume', 60_000, () => subscribers.every((subscriber) => seenSince(subscriber) >= 3));
      t.diagnostic(`all 50 subscribers caught up ${Date.now() - restartedAt} ms after the restart began`);
      await record(4, 'restart-after');
      await eventually('every subscriber to see the movement after the restart', 20_000, () => subscribers.every((subscriber) => seenSince(subscriber) >= 4));
      // A last movement: a repeat of any before it would come before it (stream order).
      await record(1, 'restart-last');
      await eventually('every subscriber to see the last movement', 20_000, () => subscribers.every((subscriber) => seenSince(subscriber) >= 5));
      for (const [index, subscriber] of subscribers.entries()) {
        for (const entry of subscriber.results) assert.equal(entry.result.errors, undefined, JSON.stringify(entry.result.errors));
        assert.deepEqual(
          changesOf(subscriber)
            .slice(live[index])
            .map((update) => update?.available),
          expected,
        );
        assert.deepEqual(
          Object.keys(subscriber.results[0]!.result.data!.availabilityChanged),
          ['sku', 'available', 'previousAvailable'],
          'the cursor the gateway added is not shown',
        );
      }
      await Promise.all(subscribers.map((subscriber) => subscriber.close()));
    },
  );

  test("an anonymous order-status subscription is refused, and customer A never receives customer B's orders", async () => {
    const anonymous = await subscribe<unknown>(mesh().mesh.gatewayUrl, 'subscription { orderStatusChanged(customerId: "cus_00031") { status } }', {});
    await anonymous.ended;
    assert.deepEqual(
      anonymous.results.flatMap((entry) => errorCodes({ status: 200, ...entry.result } as never)),
      ['UNAUTHENTICATED'],
    );

    const [a, b] = ['cus_00032', 'cus_00033'];
    const snooping = await subscribe<unknown>(
      mesh().mesh.gatewayUrl,
      `subscription { orderStatusChanged(customerId: "${b}") { status } }`,
      {},
      principals.customer(a),
    );
    await snooping.ended;
    assert.deepEqual(
      snooping.results.flatMap((entry) => errorCodes({ status: 200, ...entry.result } as never)),
      ['FORBIDDEN'],
    );

    // A watches every order at the warehouse: only A's own may reach them.
    const watcher = await subscribe<OrderStatusEvent>(
      mesh().mesh.gatewayUrl,
      `subscription { orderStatusChanged(locationId: "${WAREHOUSE}") { status order { id } } }`,
      {},
      principals.customer(a),
    );
    const staff = await subscribe<OrderStatusEvent>(
      mesh().mesh.gatewayUrl,
      `subscription { orderStatusChanged(locationId: "${WAREHOUSE}") { status order { id } } }`,
      {},
      principals.associate,
    );
    const lines = [{ sku: 'SKU-0006-01', quantity: 1 }];
    const warmUps = await untilLiveOrders([watcher, staff], a, lines, 'privacy');
    const confirmed = (subscriber: LiveSubscriber<OrderStatusEvent>, orderId: string) =>
      subscriber.results.some(
        (entry) => entry.result.data?.orderStatusChanged.order.id === orderId && entry.result.data.orderStatusChanged.status === 'CONFIRMED',
      );
    const ofB = await placeOrder(mesh(), webOrder(`${RUN}-b-1`, b, WAREHOUSE, lines));
    const ofA = await placeOrder(mesh(), webOrder(`${RUN}-a-1`, a, WAREHOUSE, lines));
    await eventually('A to see their own order confirmed', 20_000, () => confirmed(watcher, ofA.orderId));
    await eventually('staff to see both orders confirmed', 20_000, () => confirmed(staff, ofA.orderId) && confirmed(staff, ofB.orderId));
    // A last order of A's: B's transitions, published before it, would reach A before it (stream order).
    const last = await placeOrder(mesh(), webOrder(`${RUN}-a-2`, a, WAREHOUSE, lines));
    await eventually('A to see their last order confirmed', 20_000, () => confirmed(watcher, last.orderId));
    const seenByA = new Set(watcher.results.map((entry) => entry.result.data?.orderStatusChanged.order.id));
    assert.deepEqual(seenByA, new Set([...warmUps, ofA.orderId, last.orderId]));
    const seenByStaff = new Set(staff.results.map((entry) => entry.result.data?.orderStatusChanged.order.id));
    assert.ok(seenByStaff.has(ofA.orderId) && seenByStaff.has(ofB.orderId));
    await Promise.all([watcher.close(), staff.close()]);
  });
});
