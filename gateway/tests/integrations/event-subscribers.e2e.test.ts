import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyDeliverySignature } from '@mesh/integration-subgraph';
import { principals } from '@mesh/test-kit';
import { errorCodes, startMeshUnderTest, type MeshUnderTest } from '../mesh-fixture.js';
import { placeOrder, setAvailable, until, webOrder } from '../workflows/workflow-kit.js';
import { startReceiver, type TestReceiver } from './test-receivers.js';

// Outbound events to subscribers (issue 13): real HTTP receivers registered through the graph,
// one that fails every other request and one that hangs, beside healthy ones; every service of
// the mesh a separate process on a real nats-server.

const WAREHOUSE = 'loc_wh_nj';
const RUN = Date.now().toString(36);
const { admin, analyst, associate } = principals;
/** Short time-outs and retries, so dead-lettering happens within a test. */
const TIMEOUT_MS = 500;
const MAX_ATTEMPTS = 3;

let meshUnderTest: MeshUnderTest | undefined;
const receivers: TestReceiver[] = [];
const mesh = (): MeshUnderTest => {
  if (!meshUnderTest) throw new Error('mesh not started');
  return meshUnderTest;
};

const REGISTER = `mutation Register($input: RegisterEventSubscriptionInput!) {
  registerEventSubscription(input: $input) { secret subscription { id url topics active } }
}`;
const SUBSCRIPTIONS = `{ eventSubscriptions { id pendingDeliveries deliveredDeliveries deadDeliveries } }`;

async function subscribe(receiver: TestReceiver, topics: string[]): Promise<{ id: string; secret: string }> {
  const response = await mesh().query<{ registerEventSubscription: { secret: string; subscription: { id: string } } }, Record<string, unknown>>(
    REGISTER,
    { input: { url: receiver.url, topics, description: `test receiver ${receiver.mode}` } },
    admin,
  );
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  const registered = response.data!.registerEventSubscription;
  return { id: registered.subscription.id, secret: registered.secret };
}

async function counts(id: string): Promise<{ pendingDeliveries: number; deliveredDeliveries: number; deadDeliveries: number }> {
  const response = await mesh().query<
    { eventSubscriptions: { id: string; pendingDeliveries: number; deliveredDeliveries: number; deadDeliveries: number }[] },
    Record<string, never>
  >(SUBSCRIPTIONS, {}, analyst);
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  const found = response.data!.eventSubscriptions.find((subscription) => subscription.id === id);
  assert.ok(found, `subscription ${id} is listed`);
  return found;
}

const ofSku = (receiver: TestReceiver, sku: string) => receiver.accepted.filter((delivery) => delivery.envelope.data['sku'] === sku);

before(
  async () => {
    meshUnderTest = await startMeshUnderTest({
      INVENTORY_RELAY_INTERVAL_MS: '250',
      INVENTORY_EXPIRY_INTERVAL_MS: '30000',
      SUBSCRIBER_TIMEOUT_MS: String(TIMEOUT_MS),
      SUBSCRIBER_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      SUBSCRIBER_RETRY_BASE_MS: '100',
    });
  },
  { timeout: 300_000 },
);
after(async () => {
  await Promise.all(receivers.map((receiver) => receiver.close()));
  await meshUnderTest?.stop();
});

describe('outbound events to subscribers', () => {
  test('a registration needs an admin, an http(s) URL and known topics; a bad one writes nothing', async () => {
    const receiver = await startReceiver('ok');
    receivers.push(receiver);
    const input = { url: receiver.url, topics: ['order.order-status-changed'] };
    assert.deepEqual(errorCodes(await mesh().query(REGISTER, { input }, associate)), ['FORBIDDEN']);
    assert.deepEqual(errorCodes(await mesh().query(REGISTER, { input: { ...input, topics: ['order.no-such-topic'] } }, admin)), ['BAD_USER_INPUT']);
    assert.deepEqual(errorCodes(await mesh().query(REGISTER, { input: { ...input, url: 'ftp://example.com/x' } }, admin)), ['BAD_USER_INPUT']);
    assert.deepEqual(errorCodes(await mesh().query(REGISTER, { input: { ...input, url: 'https://user:pw@example.com/x' } }, admin)), ['BAD_USER_INPUT']);
    const listed = await mesh().query<{ eventSubscriptions: unknown[] }, Record<string, never>>(`{ eventSubscriptions { id } }`, {}, admin);
    assert.deepEqual(listed.data?.eventSubscriptions, []);
  });

  test('deliveries are signed with the subscription secret and timestamped; a stale timestamp or another secret fails the check', async () => {
    const receiver = await startReceiver('ok');
    receivers.push(receiver);
    const { secret } = await subscribe(receiver, ['inventory.stock-movement-recorded']);
    const sku = 'SKU-0004-01';
    await setAvailable(mesh(), sku, WAREHOUSE, 7);
    const [delivery] = await until('the movement to be delivered', 20_000, async () => (ofSku(receiver, sku).length > 0 ? ofSku(receiver, sku) : undefined));
    assert.ok(delivery);
    assert.equal(delivery.topic, 'inventory.stock-movement-recorded');
    assert.equal(delivery.envelope.type, 'inventory.stock-movement-recorded');
    assert.equal(delivery.eventId, delivery.envelope.id);
    assert.match(delivery.signature ?? '', /^v1=[0-9a-f]{64}$/);
    const check = { body: delivery.rawBody, timestamp: delivery.timestamp, signature: delivery.signature, secret };
    assert.equal(verifyDeliverySignature(check), true);
    assert.equal(verifyDeliverySignature({ ...check, secret: `${secret}x` }), false);
    assert.equal(verifyDeliverySignature({ ...check, body: delivery.rawBody.replace('CYCLE_COUNT', 'RECEIPT') }), false);
    assert.equal(verifyDeliverySignature({ ...check, nowSeconds: Number(delivery.timestamp) + 301 }), false, 'a replay after the window is refused');
  });

  test('a receiver that fails half of all requests still gets every status change of an order, once each and in order', { timeout: 120_000 }, async () => {
    const flaky = await startReceiver('every-other-fails');
    receivers.push(flaky);
    const subscription = await subscribe(flaky, ['order.order-status-changed']);
    const skus = ['SKU-0004-02', 'SKU-0004-03'];
    for (const sku of skus) await setAvailable(mesh(), sku, WAREHOUSE, 10);
    const orders = [];
    for (const [index, sku] of skus.entries()) {
      const placed = await placeOrder(mesh(), webOrder(`subscribers-${RUN}-${index}`, 'cus_00031', WAREHOUSE, [{ sku, quantity: 1 }]));
      assert.equal(placed.status, 'CONFIRMED');
      orders.push(placed.orderId);
    }
    for (const orderId of orders) {
      const shipped = await mesh().query(
        `mutation Ship($id: ID!) { shipOrder(orderId: $id, idempotencyKey: "ship-${orderId}") { status } }`,
        { id: orderId },
        associate,
      );
      assert.equal(shipped.errors, undefined, JSON.stringify(shipped.errors));
    }
    const chainOf = (orderId: string) =>
      flaky.accepted.filter((delivery) => delivery.envelope.data['orderId'] === orderId).map((delivery) => delivery.envelope.data['to']);
    for (const orderId of orders) {
      await until(`every status change of ${orderId}`, 60_000, async () => (chainOf(orderId).length >= 4 ? true : undefined));
      assert.deepEqual(chainOf(orderId), ['PLACED', 'CONFIRMED', 'SHIPPED', 'COMPLETED']);
    }
    assert.equal(flaky.requests, 2 * flaky.accepted.length, 'every delivery was refused once and retried');
    assert.ok(
      flaky.accepted.every((delivery) => delivery.attempt === 2),
      'each was accepted at its second attempt',
    );
    const settled = await until('the queue to drain', 20_000, async () => {
      const current = await counts(subscription.id);
      return current.pendingDeliveries === 0 ? current : undefined;
    });
    assert.equal(settled.deadDeliveries, 0);
    assert.equal(settled.deliveredDeliveries, flaky.accepted.length);
  });

  test(
    'a hanging receiver is dead-lettered after its attempts without delaying a healthy one, and a replay delivers everything once it answers',
    { timeout: 120_000 },
    async () => {
      const hanging = await startReceiver('hang');
      const healthy = await startReceiver('ok');
      receivers.push(hanging, healthy);
      const stuck = await subscribe(hanging, ['inventory.availability-changed']);
      await subscribe(healthy, ['inventory.availability-changed']);
      const skus = ['SKU-0005-01', 'SKU-0005-02', 'SKU-0005-03'];
      const started = Date.now();
      for (const sku of skus) await setAvailable(mesh(), sku, WAREHOUSE, 3);
      const changedAt = Date.now();
      await until('the healthy receiver to get every change', 20_000, async () => (skus.every((sku) => ofSku(healthy, sku).length > 0) ? true : undefined));
      const lag = Math.max(...skus.map((sku) => ofSku(healthy, sku)[0]!.receivedAt)) - changedAt;
      // The hanging receiver holds each of its attempts for the whole time-out; the healthy one never waits for that.
      assert.ok(lag < TIMEOUT_MS * MAX_ATTEMPTS, `the healthy receiver got the last change ${lag} ms after it was made`);

      const dead = await until('the hanging receiver to be dead-lettered', 60_000, async () => {
        const current = await counts(stuck.id);
        return current.deadDeliveries >= skus.length && current.pendingDeliveries === 0 ? current : undefined;
      });
      assert.equal(dead.deliveredDeliveries, 0);
      const deadList = await mesh().query<{ eventDeliveries: { attempts: number; lastError: string; status: string }[] }, Record<string, unknown>>(
        `query Dead($id: ID!) { eventDeliveries(subscriptionId: $id, status: DEAD, first: 50) { attempts lastError status } }`,
        { id: stuck.id },
        analyst,
      );
      assert.ok(
        deadList.data?.eventDeliveries.every((delivery) => delivery.attempts === MAX_ATTEMPTS && /no answer/.test(delivery.lastError)),
        JSON.stringify(deadList.data),
      );
      assert.ok(hanging.requests >= skus.length * MAX_ATTEMPTS);

      hanging.mode = 'ok';
      const replayed = await mesh().query<{ replayDeadDeliveries: number }, { id: string }>(
        `mutation Replay($id: ID!) { replayDeadDeliveries(subscriptionId: $id) }`,
        { id: stuck.id },
        admin,
      );
      assert.equal(replayed.errors, undefined, JSON.stringify(replayed.errors));
      assert.equal(replayed.data?.replayDeadDeliveries, dead.deadDeliveries);
      await until('the replayed deliveries to arrive', 20_000, async () => (skus.every((sku) => ofSku(hanging, sku).length > 0) ? true : undefined));
      const after = await until('the replay to settle', 20_000, async () => {
        const current = await counts(stuck.id);
        return current.pendingDeliveries === 0 ? current : undefined;
      });
      assert.equal(after.deadDeliveries, 0);
      assert.ok(Date.now() - started < 120_000);
    },
  );
});
