import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { GATEWAY_CREDENTIAL_HEADER } from '@mesh/server-kit';
import { principals, startTestDatabase, startTestSubgraph, type TestSubgraph } from '@mesh/test-kit';
import { createIntegrationSubgraph } from '../src/module.js';
import { shopifySignature } from '../src/shopify/shopify-signature.js';
import { startStandInOrderService, type StandInOrderService } from './stand-in-order-service.js';

// The inbox against faults of the order domain, with a real database and real HTTP: a stand-in
// order service on an ephemeral port that refuses (503) until told otherwise and records every
// command it is sent. Nothing accepted may be lost, done twice, or done out of order.

const SECRET = 'inbox-test-secret';
const SHOP = 'faults.myshopify.com';

interface SentCommand {
  readonly operation: string;
  readonly variables: Record<string, unknown>;
  readonly credential: boolean;
}

let database: Awaited<ReturnType<typeof startTestDatabase>>;
let orderService: StandInOrderService;
let integration: TestSubgraph;
const sent: SentCommand[] = [];

before(async () => {
  database = await startTestDatabase();
  orderService = await startStandInOrderService(({ query, variables, headers }) => {
    const operation = /mutation (\w+)/.exec(query)?.[1] ?? 'unknown';
    sent.push({ operation, variables, credential: typeof headers[GATEWAY_CREDENTIAL_HEADER] === 'string' });
    return operation === 'IntegrationRecordExternalOrder'
      ? { recordExternalOrder: { id: 'ord_stub_1', status: 'PLACED' } }
      : { cancelOrder: { id: 'ord_stub_1', status: 'CANCELLED' } };
  }, false);
  integration = await startTestSubgraph(createIntegrationSubgraph({ orderUrl: orderService.url, shopifyWebhookSecret: SECRET, workerIntervalMs: 50 }), {
    mongoUri: database.uri,
  });
});

after(async () => {
  await integration?.close();
  await orderService?.close();
  await database?.stop();
});

async function post(topic: string, webhookId: string, payload: unknown): Promise<number> {
  const raw = JSON.stringify(payload);
  const response = await fetch(integration.url.replace(/\/graphql$/, '/webhooks/shopify'), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-shopify-hmac-sha256': shopifySignature(raw, SECRET),
      'x-shopify-topic': topic,
      'x-shopify-shop-domain': SHOP,
      'x-shopify-webhook-id': webhookId,
    },
    body: raw,
  });
  return response.status;
}

type Message = { status: string; attempts: number; lastError: string | null; order: { id: string } | null };

async function message(webhookId: string): Promise<Message> {
  const response = await integration.request<{ inboundMessage: Message | null }>(
    `query($id: ID!) { inboundMessage(id: $id) { status attempts lastError order { id } } }`,
    { id: `shopify:${SHOP}:${webhookId}` },
    principals.admin,
  );
  assert.ok(response.data?.inboundMessage, JSON.stringify(response.errors));
  return response.data.inboundMessage;
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('while the order domain is down, accepted webhooks wait with their failure; once it answers they are applied once each, in arrival order', async () => {
  const map = (kind: string, externalId: string, internalId: string) =>
    integration.request(
      `mutation($input: SetIntegrationMappingInput!) { setIntegrationMapping(input: $input) { internalId } }`,
      { input: { kind, system: 'shopify', externalId, internalId } },
      principals.admin,
    );
  await map('LOCATION', 'default', 'loc_wh_nj');
  await map('SKU', 'TEE-RED-M', 'SKU-0001-01');
  await map('CUSTOMER', '207119551', 'cus_00021');
  const order = {
    id: 450789469,
    currency: 'USD',
    total_price: '53.98',
    financial_status: 'paid',
    location_id: null,
    customer: { id: 207119551, email: 'bob@example.com' },
    line_items: [{ id: 466157049, sku: 'TEE-RED-M', quantity: 2, price: '24.99', title: 'Tee' }],
  };
  assert.equal(await post('orders/create', 'wh-create', order), 200);
  assert.equal(await post('orders/cancelled', 'wh-cancel', { id: 450789469, cancel_reason: 'customer' }), 200);

  const waiting = await eventually('a failed attempt', async () => {
    const current = await message('wh-create');
    return current.attempts >= 2 ? current : undefined;
  });
  assert.equal(waiting.status, 'RECEIVED');
  assert.match(waiting.lastError ?? '', /503/);
  // The cancellation is not turned into an exception while its order's creation still waits.
  assert.equal((await message('wh-cancel')).status, 'RECEIVED');
  assert.equal(sent.length, 0);

  orderService.up = true;
  const created = await eventually('the order to be recorded', async () => {
    const current = await message('wh-create');
    return current.status === 'PROCESSED' ? current : undefined;
  });
  assert.equal(created.order?.id, 'ord_stub_1');
  await eventually('the cancellation', async () => ((await message('wh-cancel')).status === 'PROCESSED' ? true : undefined));

  assert.deepEqual(
    sent.map((command) => command.operation),
    ['IntegrationRecordExternalOrder', 'IntegrationCancelOrder'],
  );
  assert.ok(
    sent.every((command) => command.credential),
    'every command is signed as the integration service',
  );
  assert.deepEqual(sent[0]?.variables['input'], {
    idempotencyKey: `shopify:${SHOP}:order:450789469`,
    channel: 'WEB',
    customerId: 'cus_00021',
    currency: 'USD',
    lines: [{ sku: 'SKU-0001-01', quantity: 2, unitPriceMinor: '2499' }],
    fulfillment: { type: 'SHIP', locationId: 'loc_wh_nj' },
    payment: { provider: 'shopify', reference: `${SHOP}/orders/450789469`, amountMinor: '5398' },
  });
  assert.deepEqual(sent[1]?.variables, { orderId: 'ord_stub_1', reason: 'CUSTOMER_REQUEST', key: `shopify:${SHOP}:cancel:450789469` });
});
