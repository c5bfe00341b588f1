import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import type { RunningHttpService } from '@mesh/server-kit';
import { GATEWAY_SOCKET_CLOSE } from '../src/module.js';
import { signDevToken } from '../src/dev-tokens.js';
import { inventory, openOrders, startTestSubgraphServer, ticks, type Tick } from './subscriptions/test-subgraphs.js';
import { startSubscriptionRig, type SubscriptionRig } from './subscriptions/subscription-rig.js';
import { client, publishUntilReceived, subscribe, wsUrl } from './subscriptions/ws-clients.js';

// Real test subgraphs on real HTTP servers, composed with @apollo/composition, behind a real
// gateway started through startGateway; every client is graphql-ws over a real WebSocket.

const INTERNAL_SECRET = 'subscription-test-secret-0123456789abcdef';
const ALLOWED_ORIGIN = 'https://clienteling.example';
let rig: SubscriptionRig;

/** Starts one more gateway over the rig's subgraphs. */
const startTestGateway = (env: Record<string, string> = {}) => rig.startGateway(env);

const FULL_TICK = /* GraphQL */ `
  subscription Watch($sku: String!) {
    stockTicks(sku: $sku) {
      sku
      available
      watcher
      productName
      openOrders
      seenBy
    }
  }
`;

let gateway: RunningHttpService;

before(async () => {
  rig = await startSubscriptionRig(INTERNAL_SECRET, {
    WS_ALLOWED_ORIGINS: ALLOWED_ORIGIN,
    // Every client here sends connection_init as soon as its socket opens, but on a loaded machine
    // that may take longer than a short timeout: the 4408 test starts a gateway with its own.
    WS_CONNECTION_INIT_TIMEOUT_MS: '30000',
    WS_UPSTREAM_RETRY_MAX_MS: '300',
  });
  gateway = await startTestGateway();
});

after(async () => {
  await rig?.close();
});

test('a subscription selecting fields of three subgraphs receives every field, with correct values, for each event', async () => {
  const c = client(gateway, await signDevToken({ role: 'associate', subject: 'assoc-1', storeId: 'loc_1' }));
  const sub = subscribe(c, FULL_TICK, { sku: 'SKU-A' });
  openOrders.set('SKU-A', 4);
  await publishUntilReceived(sub, { sku: 'SKU-A', available: 10 });
  openOrders.set('SKU-A', 5);
  ticks.emit('tick', { sku: 'SKU-B', available: 99 });
  ticks.emit('tick', { sku: 'SKU-A', available: 9 });
  await sub.until(() => (sub.results.at(-1)?.data?.['stockTicks'] as Tick | undefined)?.available === 9);
  const last = sub.results.at(-1);
  assert.deepEqual(sub.results[0]?.data, {
    stockTicks: { sku: 'SKU-A', available: 10, watcher: 'associate', productName: 'Product SKU-A', openOrders: 4, seenBy: 'associate' },
  });
  assert.deepEqual(last?.data, {
    stockTicks: { sku: 'SKU-A', available: 9, watcher: 'associate', productName: 'Product SKU-A', openOrders: 5, seenBy: 'associate' },
  });
  assert.ok(sub.results.every((result) => result.errors === undefined && (result.data?.['stockTicks'] as Tick).sku === 'SKU-A'));
  sub.dispose();
  await c.dispose();
});

test('an invalid bearer token in connection_init closes the socket with 4401', async () => {
  const c = client(gateway, 'not-a-jwt');
  const closed = await c.closed;
  assert.equal(closed.code, GATEWAY_SOCKET_CLOSE.Unauthorized);
  assert.match(closed.reason, /invalid or expired/);
  await c.dispose();
});

test('roles reach the owning subgraph: an anonymous caller is refused FORBIDDEN, a signed-in one is served', async () => {
  const anonymous = client(gateway);
  const refused = subscribe(anonymous, 'subscription { guardedTicks { sku watcher } }');
  await refused.settled();
  assert.equal(refused.results[0]?.errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
  assert.equal(refused.results[0]?.errors?.[0]?.extensions?.['serviceName'], 'inventory');
  assert.equal(refused.completed, true);
  await anonymous.dispose();

  const signedIn = client(gateway, await signDevToken({ role: 'analyst', subject: 'analyst-1' }));
  const served = subscribe(signedIn, 'subscription { guardedTicks { sku watcher seenBy } }');
  await publishUntilReceived(served, { sku: 'SKU-G', available: 1 });
  assert.deepEqual(served.results[0]?.data, { guardedTicks: { sku: 'SKU-G', watcher: 'analyst', seenBy: 'analyst' } });
  served.dispose();
  await signedIn.dispose();
});

test('a WebSocket upgrade from a foreign Origin is refused with 403, an allowed or absent Origin is accepted', async () => {
  const statusFor = (origin?: string) =>
    new Promise<number>((resolve) => {
      const socket = new WebSocket(wsUrl(gateway), 'graphql-transport-ws', origin ? { origin } : {});
      socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.once('open', () => {
        socket.close();
        resolve(101);
      });
    });
  assert.equal(await statusFor('https://evil.example'), 403);
  assert.equal(await statusFor(ALLOWED_ORIGIN), 101);
  assert.equal(await statusFor(undefined), 101);
});

test('sockets past the per-client cap are refused, and subscriptions past the per-socket cap get TOO_MANY_SUBSCRIPTIONS', async () => {
  const capped = await startTestGateway({ WS_MAX_SOCKETS_PER_CLIENT: '2', WS_MAX_SUBSCRIPTIONS_PER_SOCKET: '2' });
  const open = (): Promise<WebSocket | number> =>
    new Promise((resolve) => {
      const socket = new WebSocket(wsUrl(capped), 'graphql-transport-ws');
      socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.once('open', () => resolve(socket));
    });
  const first = await open();
  const second = await open();
  assert.equal(await open(), 429);
  await Promise.all(
    [first, second].map((socket) => (socket instanceof WebSocket ? new Promise((resolve) => socket.once('close', resolve).close()) : undefined)),
  );
  // The server frees the slots when its side of each TCP connection has closed, which may come
  // after the client saw its own close: connect until the gateway accepts the socket again (a
  // refused upgrade takes no slot, so trying again holds nothing up).
  let c = client(capped);
  for (const deadline = Date.now() + 20_000; !(await c.connected);) {
    await c.dispose();
    if (Date.now() > deadline) assert.fail('the gateway kept refusing sockets after the capped ones closed');
    await new Promise((resolve) => setTimeout(resolve, 50));
    c = client(capped);
  }
  const subs = [1, 2, 3].map(() => subscribe(c, 'subscription { stockTicks(sku: "CAP") { sku } }'));
  await subs[2]!.settled();
  assert.equal((subs[2]!.error as { extensions?: { code?: string } }[])[0]?.extensions?.code, 'TOO_MANY_SUBSCRIPTIONS');
  assert.equal(subs[0]!.error, undefined);
  await c.dispose();
});

test('a connection that never sends connection_init is closed with 4408 after the timeout', async () => {
  const impatient = await startTestGateway({ WS_CONNECTION_INIT_TIMEOUT_MS: '300' });
  const started = Date.now();
  const code = await new Promise<number>((resolve) => {
    const socket = new WebSocket(wsUrl(impatient), 'graphql-transport-ws');
    socket.once('close', (closeCode) => resolve(closeCode));
  });
  assert.equal(code, GATEWAY_SOCKET_CLOSE.ConnectionInitTimeout);
  assert.ok(Date.now() - started >= 250, 'closed before the timeout');
});

test('the HTTP operation limits apply to subscriptions: too deep an operation is refused with OPERATION_TOO_DEEP, as on HTTP', async () => {
  const c = client(gateway);
  const deep = `subscription { stockTicks(sku: "D") { ${'similar { '.repeat(16)}sku${' }'.repeat(16)} } }`;
  const sub = subscribe(c, deep);
  await sub.settled();
  const errors = sub.error as { message: string; extensions?: { code?: string } }[];
  assert.equal(errors[0]?.extensions?.code, 'OPERATION_TOO_DEEP');
  assert.match(errors[0]?.message ?? '', /depth/i);
  const invalid = subscribe(c, 'subscription { stockTicks(sku: "D") { nope } }');
  await invalid.settled();
  assert.equal((invalid.error as { extensions?: { code?: string } }[])[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
  await c.dispose();
});

test('when the owning subgraph restarts, the gateway resubscribes and the client keeps receiving events on the same subscription', async () => {
  const c = client(gateway);
  const sub = subscribe(c, FULL_TICK, { sku: 'SKU-R' });
  await publishUntilReceived(sub, { sku: 'SKU-R', available: 1 });
  const port = rig.subgraphs.inventory.port;
  await rig.subgraphs.inventory.close();
  await new Promise((resolve) => setTimeout(resolve, 200));
  rig.subgraphs.inventory = await startTestSubgraphServer(inventory, INTERNAL_SECRET, port);
  await publishUntilReceived(sub, { sku: 'SKU-R', available: 2 });
  assert.equal(sub.error, undefined);
  assert.equal(sub.completed, false);
  assert.deepEqual(sub.results.at(-1)?.data, {
    stockTicks: { sku: 'SKU-R', available: 2, watcher: 'anonymous', productName: 'Product SKU-R', openOrders: 0, seenBy: 'anonymous' },
  });
  sub.dispose();
  await c.dispose();
});

test('a gateway shutdown completes every client subscription before closing the socket with 1001', async () => {
  const stopping = await startTestGateway();
  const c = client(stopping);
  const subs = [subscribe(c, FULL_TICK, { sku: 'SKU-S' }), subscribe(c, FULL_TICK, { sku: 'SKU-S' })];
  for (const sub of subs) await publishUntilReceived(sub, { sku: 'SKU-S', available: 3 });
  rig.gateways.splice(rig.gateways.indexOf(stopping), 1);
  await stopping.close();
  for (const sub of subs) {
    await sub.settled();
    assert.equal(sub.completed, true);
    assert.equal(sub.error, undefined);
  }
  assert.equal((await c.closed).code, GATEWAY_SOCKET_CLOSE.GoingAway);
  await c.dispose();
});
