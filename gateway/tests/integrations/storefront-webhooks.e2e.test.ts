import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { principals } from '@mesh/test-kit';
import { errorCodes, startMeshUnderTest, type MeshUnderTest } from '../mesh-fixture.js';
import { CARRIER_SECRET, postCarrierMilestone } from './carrier-milestones.js';
import { placeOrder, setAvailable, stockOf, until, webOrder } from '../workflows/workflow-kit.js';
import { deliver, SHOP, shopifyCancelledOrder, shopifyOrder, shopifyRefund, WEBHOOK_SECRET, type FixtureLine } from './shopify-fixtures.js';
import { startReceiver, type TestReceiver } from './test-receivers.js';

// Storefront webhooks and fulfilment milestones in (issue 13), through the integration subgraph's real HTTP endpoint, with
// the whole mesh running as separate processes: a Shopify-shaped orders/create becomes a paid WEB
// order that inventory reserves; orders/cancelled and refunds/create become the order domain's
// cancel and refund; bad signatures are refused; unknown SKUs and locations become exceptions that
// are replayed once their mapping is set.

const WAREHOUSE = 'loc_wh_nj';
const SHOPIFY_LOCATION = 655441491;
const RUN = Date.now() % 1_000_000;
const { admin, analyst, associate } = principals;
const receivers: TestReceiver[] = [];

let meshUnderTest: MeshUnderTest | undefined;
const mesh = (): MeshUnderTest => {
  if (!meshUnderTest) throw new Error('mesh not started');
  return meshUnderTest;
};
const webhookUrl = () => mesh().mesh.subgraphUrls.integration.replace(/\/graphql$/, '/webhooks/shopify');
/** A Shopify order id unique to this run. */
const shopifyId = (n: number) => 5_000_000_000 + RUN * 100 + n;

const MESSAGE = `query Message($id: ID!) {
  inboundMessage(id: $id) { id topic status attempts duplicateDeliveries exception { code message } order { id } }
}`;
const ORDER = `query Order($id: ID!) {
  order(id: $id) {
    id status channel currency customer { id }
    fulfillment { type location { id } tracking { carrier trackingNumber } deliveredAt }
    totals { total { minorUnits } }
    payment { authorized { minorUnits } captured { minorUnits } refunded { minorUnits } }
    externalPayment { provider reference }
  }
}`;
const SET_MAPPING = `mutation Map($input: SetIntegrationMappingInput!) { setIntegrationMapping(input: $input) { kind system externalId internalId } }`;
const REPLAY = `mutation Replay($id: ID!) { replayInboundMessage(id: $id) { id status } }`;

interface MessageView {
  id: string;
  topic: string;
  status: string;
  attempts: number;
  duplicateDeliveries: number;
  exception: { code: string; message: string } | null;
  order: { id: string } | null;
}
interface OrderView {
  id: string;
  status: string;
  channel: string;
  currency: string;
  customer: { id: string } | null;
  fulfillment: { type: string; location: { id: string }; tracking?: { carrier: string; trackingNumber: string } | null; deliveredAt?: string | null };
  totals: { total: { minorUnits: string } };
  payment: { authorized: { minorUnits: string }; captured: { minorUnits: string }; refunded: { minorUnits: string } };
  externalPayment: { provider: string; reference: string } | null;
}

async function message(id: string): Promise<MessageView | null> {
  const response = await mesh().query<{ inboundMessage: MessageView | null }, { id: string }>(MESSAGE, { id }, admin);
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  return response.data?.inboundMessage ?? null;
}

/** Waits until the worker has settled the message (PROCESSED or EXCEPTION). */
async function settled(id: string): Promise<MessageView> {
  return until(`message ${id} to be processed`, 30_000, async () => {
    const current = await message(id);
    return current && current.status !== 'RECEIVED' ? current : undefined;
  });
}

async function order(id: string): Promise<OrderView> {
  const response = await mesh().query<{ order: OrderView | null }, { id: string }>(ORDER, { id }, admin);
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  assert.ok(response.data?.order, `order ${id} exists`);
  return response.data.order;
}

async function orderWhen(id: string, statuses: readonly string[]): Promise<OrderView> {
  return until(`order ${id} to reach ${statuses.join('/')}`, 30_000, async () => {
    const current = await order(id);
    return statuses.includes(current.status) ? current : undefined;
  });
}

async function map(kind: string, externalId: string, internalId: string): Promise<void> {
  const response = await mesh().query(SET_MAPPING, { input: { kind, system: 'shopify', externalId, internalId } }, admin);
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
}

const messageId = (webhookId: string) => `shopify:${SHOP}:${webhookId}`;
const total = (lines: readonly FixtureLine[]) =>
  lines.reduce((sum, line) => sum + line.priceMinor * line.quantity + Math.round((line.priceMinor * line.quantity * 800) / 10_000), 0);

before(
  async () => {
    meshUnderTest = await startMeshUnderTest({
      SHOPIFY_WEBHOOK_SECRET: WEBHOOK_SECRET,
      FULFILMENT_WEBHOOK_SECRET: CARRIER_SECRET,
      INVENTORY_RELAY_INTERVAL_MS: '250',
      INVENTORY_EXPIRY_INTERVAL_MS: '30000',
      INTEGRATION_WORKER_INTERVAL_MS: '250',
    });
    await map('LOCATION', String(SHOPIFY_LOCATION), WAREHOUSE);
  },
  { timeout: 300_000 },
);
after(async () => {
  await Promise.all(receivers.map((receiver) => receiver.close()));
  await meshUnderTest?.stop();
});

describe('storefront webhooks in (Shopify)', () => {
  test('a webhook with a missing or wrong signature is refused with 401 and nothing is recorded', async () => {
    const payload = shopifyOrder(shopifyId(1), [{ sku: 'SKU-0002-01', quantity: 1, priceMinor: 1000 }]);
    const missing = await deliver(webhookUrl(), 'orders/create', `unsigned-${RUN}`, payload, { signature: null });
    assert.equal(missing.status, 401);
    const wrongKey = await deliver(webhookUrl(), 'orders/create', `wrong-key-${RUN}`, payload, { secret: 'not-the-shared-secret' });
    assert.equal(wrongKey.status, 401);
    // Signed correctly, but over other bytes than those sent: the body was tampered with.
    const tampered = await deliver(webhookUrl(), 'orders/create', `tampered-${RUN}`, JSON.stringify({ ...payload, total_price: '0.01' }), {
      signature: (await import('node:crypto')).createHmac('sha256', WEBHOOK_SECRET).update(JSON.stringify(payload)).digest('base64'),
    });
    assert.equal(tampered.status, 401);
    for (const id of [`unsigned-${RUN}`, `wrong-key-${RUN}`, `tampered-${RUN}`]) assert.equal(await message(messageId(id)), null, `${id} was not recorded`);
  });

  test('a paid storefront order is answered at once and becomes a CONFIRMED WEB order at the mapped location, reserved and authorised', async () => {
    const sku = 'SKU-0002-02';
    await setAvailable(mesh(), sku, WAREHOUSE, 10);
    await map('CUSTOMER', '207119551', 'cus_00021');
    const lines = [{ sku, quantity: 2, priceMinor: 2499 }];
    const webhookId = `create-${RUN}-a`;
    const delivery = await deliver(
      webhookUrl(),
      'orders/create',
      webhookId,
      shopifyOrder(shopifyId(2), lines, { locationId: SHOPIFY_LOCATION, customerId: 207119551 }),
    );
    assert.equal(delivery.status, 200);
    assert.equal(delivery.body.status, 'accepted');
    assert.ok(delivery.ms < 2000, `answered in ${Math.round(delivery.ms)} ms`);
    const processed = await settled(messageId(webhookId));
    assert.equal(processed.status, 'PROCESSED', JSON.stringify(processed.exception));
    assert.ok(processed.order);
    const placed = await orderWhen(processed.order.id, ['CONFIRMED']);
    assert.equal(placed.channel, 'WEB');
    assert.equal(placed.currency, 'USD');
    assert.equal(placed.customer?.id, 'cus_00021');
    assert.deepEqual(placed.fulfillment, { type: 'SHIP', location: { id: WAREHOUSE }, tracking: null, deliveredAt: null });
    assert.equal(placed.totals.total.minorUnits, String(total(lines)));
    assert.equal(placed.payment.authorized.minorUnits, String(total(lines)));
    assert.deepEqual(placed.externalPayment, { provider: 'shopify', reference: `${SHOP}/orders/${shopifyId(2)}` });
    const level = await until('the reservation', 15_000, async () => {
      const current = await stockOf(mesh(), sku, WAREHOUSE);
      return current.reserved >= 2 ? current : undefined;
    });
    assert.equal(level.available, 8);
  });

  test('a redelivered webhook id is answered 200, counted as a duplicate and changes nothing', async () => {
    const sku = 'SKU-0002-03';
    await setAvailable(mesh(), sku, WAREHOUSE, 10);
    const payload = shopifyOrder(shopifyId(3), [{ sku, quantity: 1, priceMinor: 1500 }]);
    const webhookId = `create-${RUN}-dup`;
    const first = await deliver(webhookUrl(), 'orders/create', webhookId, payload);
    const again = await Promise.all([deliver(webhookUrl(), 'orders/create', webhookId, payload), deliver(webhookUrl(), 'orders/create', webhookId, payload)]);
    assert.deepEqual([first.status, ...again.map((delivery) => delivery.status)], [200, 200, 200]);
    assert.deepEqual(
      again.map((delivery) => delivery.body.status),
      ['duplicate', 'duplicate'],
    );
    const processed = await settled(messageId(webhookId));
    assert.equal(processed.status, 'PROCESSED');
    assert.equal(processed.duplicateDeliveries, 2);
    // The same Shopify order under a new webhook id (Shopify retries an order's event with a new
    // id only when it is a new event) is still one mesh order: the order's key is Shopify's order id.
    const resent = await deliver(webhookUrl(), 'orders/create', `create-${RUN}-dup-2`, payload);
    assert.equal(resent.body.status, 'accepted');
    const second = await settled(messageId(`create-${RUN}-dup-2`));
    assert.equal(second.order?.id, processed.order?.id);
    await orderWhen(processed.order!.id, ['CONFIRMED']);
    const level = await stockOf(mesh(), sku, WAREHOUSE);
    assert.equal(level.available, 9, 'one unit reserved, not two');
  });

  test('an unknown SKU becomes an UNKNOWN_SKU exception; after the SKU is mapped, a replay places the order', async () => {
    const sku = 'SKU-0002-04';
    await setAvailable(mesh(), sku, WAREHOUSE, 5);
    const storefrontSku = `SHOP-TEE-${RUN}`;
    const webhookId = `create-${RUN}-unknown-sku`;
    await deliver(webhookUrl(), 'orders/create', webhookId, shopifyOrder(shopifyId(4), [{ sku: storefrontSku, quantity: 1, priceMinor: 1999 }]));
    const failed = await settled(messageId(webhookId));
    assert.equal(failed.status, 'EXCEPTION');
    assert.equal(failed.exception?.code, 'UNKNOWN_SKU');
    assert.match(failed.exception?.message ?? '', new RegExp(storefrontSku));
    assert.equal(failed.order, null);

    const listed = await mesh().query<{ inboundMessages: { id: string; body: string | null }[] }, Record<string, never>>(
      `{ inboundMessages(status: EXCEPTION, first: 50) { id body } }`,
      {},
      analyst,
    );
    const seen = listed.data?.inboundMessages.find((entry) => entry.id === messageId(webhookId));
    assert.ok(seen, 'analysts see the exception');
    assert.equal(seen.body, null, "but not the shopper's personal data in its body");
    const asAdmin = await mesh().query<{ inboundMessage: { body: string | null } }, { id: string }>(
      `query($id: ID!) { inboundMessage(id: $id) { body } }`,
      { id: messageId(webhookId) },
      admin,
    );
    assert.match(asAdmin.data?.inboundMessage.body ?? '', new RegExp(storefrontSku));

    await map('SKU', storefrontSku, sku);
    const replay = await mesh().query<{ replayInboundMessage: { status: string } }, { id: string }>(REPLAY, { id: messageId(webhookId) }, admin);
    assert.equal(replay.errors, undefined, JSON.stringify(replay.errors));
    assert.equal(replay.data?.replayInboundMessage.status, 'RECEIVED');
    const processed = await settled(messageId(webhookId));
    assert.equal(processed.status, 'PROCESSED');
    assert.equal(processed.attempts, 2);
    await orderWhen(processed.order!.id, ['CONFIRMED']);

    const again = await mesh().query(REPLAY, { id: messageId(webhookId) }, admin);
    assert.deepEqual(errorCodes(again), ['NOT_REPLAYABLE']);
  });

  test('an unmapped location, an unpaid order and a payload missing required fields each become a visible exception', async () => {
    const lines = [{ sku: 'SKU-0002-05', quantity: 1, priceMinor: 1000 }];
    await deliver(webhookUrl(), 'orders/create', `create-${RUN}-no-location`, shopifyOrder(shopifyId(5), lines, { locationId: 999 }));
    await deliver(webhookUrl(), 'orders/create', `create-${RUN}-pending`, shopifyOrder(shopifyId(6), lines, { financialStatus: 'pending' }));
    const { line_items: _dropped, ...withoutLines } = shopifyOrder(shopifyId(7), lines);
    await deliver(webhookUrl(), 'orders/create', `create-${RUN}-no-lines`, withoutLines);
    await deliver(webhookUrl(), 'orders/create', `create-${RUN}-not-json`, 'this is not json');
    await deliver(webhookUrl(), 'products/update', `products-${RUN}`, { id: 1 });
    const codes = await Promise.all(
      [`create-${RUN}-no-location`, `create-${RUN}-pending`, `create-${RUN}-no-lines`, `create-${RUN}-not-json`, `products-${RUN}`].map(
        async (id) => (await settled(messageId(id))).exception?.code,
      ),
    );
    assert.deepEqual(codes, ['UNKNOWN_LOCATION', 'NOT_PAID', 'INVALID_PAYLOAD', 'INVALID_PAYLOAD', 'UNSUPPORTED_TOPIC']);
    assert.match((await message(messageId(`create-${RUN}-no-lines`)))?.exception?.message ?? '', /line_items/);
  });

  test('orders/cancelled cancels the order and inventory releases its stock', async () => {
    const sku = 'SKU-0003-01';
    await setAvailable(mesh(), sku, WAREHOUSE, 4);
    const lines = [{ sku, quantity: 3, priceMinor: 1200 }];
    await deliver(webhookUrl(), 'orders/create', `create-${RUN}-cancel`, shopifyOrder(shopifyId(8), lines));
    const created = await settled(messageId(`create-${RUN}-cancel`));
    await orderWhen(created.order!.id, ['CONFIRMED']);
    await deliver(webhookUrl(), 'orders/cancelled', `cancel-${RUN}`, shopifyCancelledOrder(shopifyId(8), lines));
    const cancelled = await settled(messageId(`cancel-${RUN}`));
    assert.equal(cancelled.status, 'PROCESSED', JSON.stringify(cancelled.exception));
    assert.equal(cancelled.order?.id, created.order?.id);
    await orderWhen(created.order!.id, ['CANCELLED']);
    await until('the release', 15_000, async () => ((await stockOf(mesh(), sku, WAREHOUSE)).available === 4 ? true : undefined));
  });

  test('a cancellation of an order the mesh never recorded is an ORDER_NOT_RECORDED exception', async () => {
    await deliver(
      webhookUrl(),
      'orders/cancelled',
      `cancel-${RUN}-unknown`,
      shopifyCancelledOrder(shopifyId(9), [{ sku: 'SKU-0002-07', quantity: 1, priceMinor: 100 }]),
    );
    const failed = await settled(messageId(`cancel-${RUN}-unknown`));
    assert.equal(failed.exception?.code, 'ORDER_NOT_RECORDED');
  });

  test('refunds/create pays back the successful refund transactions once the order was shipped; before shipment it is refused as an exception', async () => {
    const sku = 'SKU-0003-02';
    await setAvailable(mesh(), sku, WAREHOUSE, 5);
    const lines = [{ sku, quantity: 1, priceMinor: 5000 }];
    await deliver(webhookUrl(), 'orders/create', `create-${RUN}-refund`, shopifyOrder(shopifyId(10), lines));
    const created = await settled(messageId(`create-${RUN}-refund`));
    const orderId = created.order!.id;
    await orderWhen(orderId, ['CONFIRMED']);

    await deliver(webhookUrl(), 'refunds/create', `refund-${RUN}-early`, shopifyRefund(shopifyId(11), shopifyId(10), 1000));
    const early = await settled(messageId(`refund-${RUN}-early`));
    assert.equal(early.exception?.code, 'COMMAND_REFUSED');
    assert.match(early.exception?.message ?? '', /ORDER_NOT_REFUNDABLE/);

    const shipped = await mesh().query(
      `mutation Ship($id: ID!) { shipOrder(orderId: $id, idempotencyKey: "ship-${RUN}") { status } }`,
      { id: orderId },
      associate,
    );
    assert.equal(shipped.errors, undefined, JSON.stringify(shipped.errors));
    await deliver(webhookUrl(), 'refunds/create', `refund-${RUN}`, shopifyRefund(shopifyId(12), shopifyId(10), 1500));
    const refunded = await settled(messageId(`refund-${RUN}`));
    assert.equal(refunded.status, 'PROCESSED', JSON.stringify(refunded.exception));
    // The failed transaction of the same refund is not paid back.
    assert.equal((await order(orderId)).payment.refunded.minorUnits, '1500');

    // The early refund, replayed now that the order is shipped, is paid too (under its own key).
    await mesh().query(REPLAY, { id: messageId(`refund-${RUN}-early`) }, admin);
    assert.equal((await settled(messageId(`refund-${RUN}-early`))).status, 'PROCESSED');
    const final = await order(orderId);
    assert.equal(final.payment.captured.minorUnits, String(total(lines)));
    assert.equal(final.payment.refunded.minorUnits, '2500');
  });

  test('only admins set mappings and replay; bad mapping input is BAD_USER_INPUT and anonymous callers are refused', async () => {
    const input = { kind: 'SKU', system: 'shopify', externalId: `X-${RUN}`, internalId: 'SKU-0002-09' };
    assert.deepEqual(errorCodes(await mesh().query(SET_MAPPING, { input }, associate)), ['FORBIDDEN']);
    assert.deepEqual(errorCodes(await mesh().query(SET_MAPPING, { input }, analyst)), ['FORBIDDEN']);
    assert.deepEqual(errorCodes(await mesh().query(SET_MAPPING, { input: { ...input, externalId: '$where' } }, admin)), ['BAD_USER_INPUT']);
    assert.deepEqual(errorCodes(await mesh().query(`{ inboundMessages { id } }`, {})), ['UNAUTHENTICATED']);
    const listed = await mesh().query<{ integrationMappings: { externalId: string }[] }, Record<string, never>>(
      `{ integrationMappings(kind: SKU, system: "shopify", first: 100) { externalId } }`,
      {},
      admin,
    );
    assert.ok(!listed.data?.integrationMappings.some((mapping) => mapping.externalId === `X-${RUN}`), 'the refused mappings were not written');
  });
});

/** POSTs a milestone to the fulfilment endpoint as a carrier would (see postCarrierMilestone). */
const milestone = (eventId: string, body: Record<string, unknown>, options: { secret?: string; timestamp?: number } = {}) =>
  postCarrierMilestone(mesh().mesh.subgraphUrls.integration, eventId, body, options);
const milestoneId = (eventId: string) => `fulfilment:ups:${eventId}`;

describe('fulfilment milestones in (carrier, WMS)', () => {
  test('a milestone with a wrong signature or a stale timestamp is refused with 401 and nothing is recorded', async () => {
    const body = { orderId: 'ord_x', milestone: 'SHIPPED', carrier: 'UPS', trackingNumber: '1Z999', occurredAt: new Date().toISOString() };
    assert.equal((await milestone(`bad-key-${RUN}`, body, { secret: 'not-the-key' })).status, 401);
    assert.equal((await milestone(`stale-${RUN}`, body, { timestamp: Math.floor(Date.now() / 1000) - 3600 })).status, 401);
    for (const id of [`bad-key-${RUN}`, `stale-${RUN}`]) assert.equal(await message(milestoneId(id)), null);
  });

  test('shipped and delivered milestones move a storefront order and reach subscribers like every other transition; delivered before shipped waits for a replay', async () => {
    const subscriber = await startReceiver('ok');
    receivers.push(subscriber);
    const registered = await mesh().query(
      `mutation R($input: RegisterEventSubscriptionInput!) { registerEventSubscription(input: $input) { subscription { id } } }`,
      { input: { url: subscriber.url, topics: ['order.order-status-changed', 'order.shipment-delivered'] } },
      admin,
    );
    assert.equal(registered.errors, undefined, JSON.stringify(registered.errors));
    const sku = 'SKU-0003-03';
    await setAvailable(mesh(), sku, WAREHOUSE, 5);
    await deliver(webhookUrl(), 'orders/create', `create-${RUN}-ship`, shopifyOrder(shopifyId(20), [{ sku, quantity: 1, priceMinor: 3000 }]));
    const orderId = (await settled(messageId(`create-${RUN}-ship`))).order!.id;
    await orderWhen(orderId, ['CONFIRMED']);
    const at = new Date().toISOString();

    const early = await milestone(`delivered-${RUN}`, { orderId, milestone: 'DELIVERED', carrier: 'UPS', trackingNumber: `1Z${RUN}`, occurredAt: at });
    assert.deepEqual([early.status, early.body.status], [200, 'accepted']);
    const refused = await settled(milestoneId(`delivered-${RUN}`));
    assert.equal(refused.exception?.code, 'COMMAND_REFUSED');
    assert.match(refused.exception?.message ?? '', /ILLEGAL_TRANSITION/);

    await milestone(`shipped-${RUN}`, { orderId, milestone: 'SHIPPED', carrier: 'UPS', trackingNumber: `1Z${RUN}`, occurredAt: at, depot: 'ignored' });
    assert.equal((await settled(milestoneId(`shipped-${RUN}`))).status, 'PROCESSED');
    const shipped = await order(orderId);
    assert.equal(shipped.status, 'COMPLETED');
    assert.deepEqual(shipped.fulfillment.tracking, { carrier: 'UPS', trackingNumber: `1Z${RUN}` });
    assert.equal(shipped.payment.captured.minorUnits, shipped.totals.total.minorUnits);
    const again = await milestone(`shipped-${RUN}`, { orderId, milestone: 'SHIPPED', carrier: 'UPS', trackingNumber: `1Z${RUN}`, occurredAt: at });
    assert.equal(again.body.status, 'duplicate');

    await mesh().query(REPLAY, { id: milestoneId(`delivered-${RUN}`) }, admin);
    assert.equal((await settled(milestoneId(`delivered-${RUN}`))).status, 'PROCESSED');
    assert.equal((await order(orderId)).fulfillment.deliveredAt, at);

    const pushed = await until('the subscriber to hear of shipment and delivery', 20_000, async () => {
      const ofOrder = subscriber.accepted.filter((delivery) => delivery.envelope.data['orderId'] === orderId);
      return ofOrder.some((delivery) => delivery.topic === 'order.shipment-delivered') ? ofOrder : undefined;
    });
    const shippedChange = pushed.find((delivery) => delivery.envelope.data['to'] === 'SHIPPED');
    assert.deepEqual(shippedChange?.envelope.data['tracking'], { carrier: 'UPS', trackingNumber: `1Z${RUN}` });
    assert.deepEqual(
      pushed.filter((delivery) => delivery.topic === 'order.order-status-changed').map((delivery) => delivery.envelope.data['to']),
      ['PLACED', 'CONFIRMED', 'SHIPPED', 'COMPLETED'],
    );
  });

  test('ready-for-pickup and picked-up milestones move a pickup order; a malformed milestone is an INVALID_PAYLOAD exception', async () => {
    const store = 'loc_nyc01';
    const sku = 'SKU-0003-04';
    await setAvailable(mesh(), sku, store, 3);
    const placed = await placeOrder(mesh(), {
      ...webOrder(`pickup-${RUN}`, 'cus_00041', store, [{ sku, quantity: 1 }]),
      fulfillment: { type: 'PICKUP_IN_STORE', locationId: store },
    });
    assert.equal(placed.status, 'CONFIRMED');
    const at = new Date().toISOString();
    await milestone(`ready-${RUN}`, { orderId: placed.orderId, milestone: 'READY_FOR_PICKUP', occurredAt: at });
    assert.equal((await settled(milestoneId(`ready-${RUN}`))).status, 'PROCESSED');
    assert.equal((await order(placed.orderId)).status, 'READY_FOR_PICKUP');
    await milestone(`picked-${RUN}`, { orderId: placed.orderId, milestone: 'PICKED_UP', occurredAt: at });
    assert.equal((await settled(milestoneId(`picked-${RUN}`))).status, 'PROCESSED');
    assert.equal((await order(placed.orderId)).status, 'COMPLETED');

    await milestone(`lost-${RUN}`, { orderId: placed.orderId, milestone: 'LOST_IN_TRANSIT', occurredAt: at });
    const invalid = await settled(milestoneId(`lost-${RUN}`));
    assert.equal(invalid.exception?.code, 'INVALID_PAYLOAD');
    assert.match(invalid.exception?.message ?? '', /milestone/);
  });
});
