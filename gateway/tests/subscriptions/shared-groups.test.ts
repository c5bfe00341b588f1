import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import type { RunningHttpService } from '@mesh/server-kit';
import { signDevToken } from '../../src/dev-tokens.js';
import { productNameResolutions, tickUpdateSubscriptions, ticks, type Tick } from './test-subgraphs.js';
import { startSubscriptionRig, type SubscriptionRig } from './subscription-rig.js';
import { client, subscribe, wsUrl } from './ws-clients.js';

// Identical subscriptions share one upstream subscription per gateway (counted at the test
// subgraph, which runs in this process), callers who see different things never share, late
// joiners and resumes keep their own catch-up, and a socket that stops reading is ended without
// holding up the others. Real subgraphs, a real gateway, real WebSockets.

const INTERNAL_SECRET = 'shared-groups-test-secret-0123456789abcdef';
let rig: SubscriptionRig;

/** Starts one more gateway over the rig's subgraphs. */
const startTestGateway = (env: Record<string, string> = {}) => rig.startGateway(env);

const upstreamTickSubscriptions = () => ticks.listenerCount('tick');

async function eventually(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs; // patience for a loaded machine
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Waits until the test subgraph counts `expected` upstream subscriptions. A subscription the
 * gateway completed lets go of its listener when the next tick wakes its generator, so ticks
 * for the given SKUs are published meanwhile.
 */
async function untilUpstream(count: () => number, expected: number, wake: readonly Tick[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (count() !== expected) {
    if (Date.now() > deadline) throw new Error(`the test subgraph still counts ${count()} upstream subscriptions, not ${expected}`);
    for (const tick of wake) ticks.emit('tick', tick);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Publishes `tick` until every subscription has a result (upstream subscriptions start asynchronously). */
async function publishUntilAllReceived(subs: readonly { results: readonly unknown[] }[], tick: Tick): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (subs.some((sub) => sub.results.length === 0)) {
    if (Date.now() > deadline) throw new Error('some subscriptions received nothing');
    ticks.emit('tick', tick);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

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
const availableOf = (result: { data?: Record<string, unknown> | null } | undefined, field = 'stockTicks') =>
  (result?.data?.[field] as { available: number } | undefined)?.available;

let gateway: RunningHttpService;

before(async () => {
  rig = await startSubscriptionRig(INTERNAL_SECRET, { WS_CONNECTION_INIT_TIMEOUT_MS: '30000', WS_MAX_SOCKETS_PER_CLIENT: '100' });
  gateway = await startTestGateway();
});

after(async () => {
  await rig?.close();
});

test('thirty identical subscriptions on three sockets share one upstream subscription and one run of the rest of the plan per event, and each receives every event in order', async () => {
  const baseline = upstreamTickSubscriptions();
  const token = await signDevToken({ role: 'associate', subject: 'assoc-g', storeId: 'loc_1' });
  const clients = [client(gateway, token), client(gateway, token), client(gateway, token)];
  const subs = clients.flatMap((c) => Array.from({ length: 10 }, () => subscribe(c, FULL_TICK, { sku: 'SKU-G' })));
  await publishUntilAllReceived(subs, { sku: 'SKU-G', available: 0 });
  assert.equal(upstreamTickSubscriptions(), baseline + 1);

  await new Promise((resolve) => setTimeout(resolve, 500)); // warm-up ticks still in flight land first
  const resolvedBefore = productNameResolutions.count;
  for (let available = 1; available <= 5; available++) ticks.emit('tick', { sku: 'SKU-G', available });
  await eventually(() => subs.every((sub) => availableOf(sub.results.at(-1)) === 5), 'the fifth event on every subscription');
  assert.equal(productNameResolutions.count - resolvedBefore, 5, 'the product subgraph resolved each event once, not once per subscriber');
  for (const sub of subs) {
    assert.deepEqual(
      sub.results.map((result) => availableOf(result)).filter((available) => available !== 0),
      [1, 2, 3, 4, 5],
    );
    assert.deepEqual(sub.results.at(-1)?.data, {
      stockTicks: { sku: 'SKU-G', available: 5, watcher: 'associate', productName: 'Product SKU-G', openOrders: 0, seenBy: 'associate' },
    });
    assert.equal(sub.error, undefined);
  }

  // The group outlives any one subscriber; the last one out ends the upstream subscription.
  for (const sub of subs.slice(0, 29)) sub.dispose();
  ticks.emit('tick', { sku: 'SKU-G', available: 6 });
  await eventually(() => availableOf(subs[29]!.results.at(-1)) === 6, 'the event on the remaining subscription');
  assert.equal(upstreamTickSubscriptions(), baseline + 1);
  subs[29]!.dispose();
  await untilUpstream(upstreamTickSubscriptions, baseline, [{ sku: 'SKU-G', available: 7 }]);
  await Promise.all(clients.map((c) => c.dispose()));
});

test("customer A never receives customer B's ticks through a shared group; callers who differ in role or variables get groups of their own", async () => {
  const baseline = upstreamTickSubscriptions();
  const tokenA = await signDevToken({ role: 'customer', subject: 'cust-a', customerId: 'cust-a' });
  const tokenB = await signDevToken({ role: 'customer', subject: 'cust-b', customerId: 'cust-b' });
  const [a1, a2, b] = [client(gateway, tokenA), client(gateway, tokenA), client(gateway, tokenB)];
  const MINE = 'subscription Mine { customerTicks { sku owner available } }';
  const subsA = [subscribe(a1, MINE), subscribe(a2, MINE)];
  const subB = subscribe(b, MINE);
  const deadline = Date.now() + 20_000;
  while ([...subsA, subB].some((sub) => sub.results.length === 0)) {
    if (Date.now() > deadline) throw new Error('a customer received nothing');
    ticks.emit('tick', { sku: 'A-0', available: 0, customerId: 'cust-a' });
    ticks.emit('tick', { sku: 'B-0', available: 0, customerId: 'cust-b' });
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(upstreamTickSubscriptions(), baseline + 2, 'one group for the two sockets of customer A, one for customer B');
  for (let n = 1; n <= 3; n++) {
    ticks.emit('tick', { sku: `A-${n}`, available: n, customerId: 'cust-a' });
    ticks.emit('tick', { sku: `B-${n}`, available: n, customerId: 'cust-b' });
  }
  const lastSku = (sub: ReturnType<typeof subscribe>) => (sub.results.at(-1)?.data?.['customerTicks'] as { sku: string } | undefined)?.sku;
  await eventually(() => subsA.every((sub) => lastSku(sub) === 'A-3') && lastSku(subB) === 'B-3', 'the third tick of each customer');
  for (const sub of subsA)
    assert.ok(
      sub.results.every((result) => (result.data?.['customerTicks'] as { owner: string }).owner === 'cust-a'),
      JSON.stringify(sub.results),
    );
  assert.ok(
    subB.results.every((result) => (result.data?.['customerTicks'] as { owner: string }).owner === 'cust-b'),
    JSON.stringify(subB.results),
  );

  // The same document and variables as different roles, or with other variables: never one group.
  const associate = client(gateway, await signDevToken({ role: 'associate', subject: 'assoc-i', storeId: 'loc_1' }));
  const analyst = client(gateway, await signDevToken({ role: 'analyst', subject: 'analyst-i' }));
  const beforeRoles = upstreamTickSubscriptions();
  const byRole = [
    subscribe(associate, FULL_TICK, { sku: 'SKU-I' }),
    subscribe(analyst, FULL_TICK, { sku: 'SKU-I' }),
    subscribe(analyst, FULL_TICK, { sku: 'SKU-J' }),
  ];
  await publishUntilAllReceived(byRole.slice(0, 2), { sku: 'SKU-I', available: 1 });
  await publishUntilAllReceived(byRole.slice(2), { sku: 'SKU-J', available: 1 });
  assert.equal(upstreamTickSubscriptions(), beforeRoles + 3);
  assert.equal((byRole[0]!.results.at(-1)?.data?.['stockTicks'] as { seenBy: string }).seenBy, 'associate');
  assert.equal((byRole[1]!.results.at(-1)?.data?.['stockTicks'] as { seenBy: string }).seenBy, 'analyst');
  for (const c of [a1, a2, b, associate, analyst]) await c.dispose();
  await untilUpstream(upstreamTickSubscriptions, baseline, [
    { sku: 'A-4', available: 4, customerId: 'cust-a' },
    { sku: 'B-4', available: 4, customerId: 'cust-b' },
    { sku: 'SKU-I', available: 2 },
    { sku: 'SKU-J', available: 2 },
  ]);
});

const UPDATES = /* GraphQL */ `
  subscription Updates($sku: String!, $after: String, $snapshot: Boolean) {
    tickUpdates(sku: $sku, after: $after, snapshot: $snapshot) {
      cursor
      kind
      sku
      available
    }
  }
`;
type Update = { cursor: string; kind: string; sku: string; available: number };
const updateOf = (result: { data?: Record<string, unknown> | null } | undefined) => result?.data?.['tickUpdates'] as Update | undefined;

/** A tick that wakes the test subgraph's ended generators of the SKU (they end at their next yield); its value marks it. */
const wake = (sku: string): Tick => ({ sku, available: 100 });
const withoutWakes = (rows: unknown[][]) => rows.filter((row) => row.at(-1) !== 100);

test('a late live joiner shares the group from the next event; late joiners asking for a snapshot or resuming after a cursor catch up on their own, exactly as documented, then join the group', async () => {
  const baseline = tickUpdateSubscriptions();
  const c = client(gateway);
  const first = subscribe(c, UPDATES, { sku: 'L1' });
  await publishUntilAllReceived([first], { sku: 'L1', available: 1 });
  await new Promise((resolve) => setTimeout(resolve, 300));
  // On a loaded machine the priming tick may have been published, and delivered, more than once:
  // what follows is compared from the last of them.
  const primed = first.results.length;
  const resumeFrom = updateOf(first.results[primed - 1])!.cursor;
  assert.equal(tickUpdateSubscriptions(), baseline + 1);

  const lateLive = subscribe(c, UPDATES, { sku: 'L1' });
  const lateSnapshot = subscribe(c, UPDATES, { sku: 'L1', snapshot: true });
  await lateSnapshot.next(1);
  const snapshot = updateOf(lateSnapshot.results[0])!;
  assert.deepEqual({ kind: snapshot.kind, available: snapshot.available }, { kind: 'SNAPSHOT', available: 1 });
  assert.equal(tickUpdateSubscriptions(), baseline + 2, 'the live joiner joined the group; the snapshot has its own upstream subscription');

  ticks.emit('tick', { sku: 'L1', available: 2 });
  ticks.emit('tick', { sku: 'L1', available: 3 });
  await eventually(
    () => [first, lateLive, lateSnapshot].every((sub) => updateOf(sub.results.at(-1))?.available === 3),
    'the two changes on every subscription',
  );
  assert.deepEqual(
    lateLive.results.map((result) => updateOf(result)!.available),
    [2, 3],
  );
  assert.deepEqual(
    lateSnapshot.results.map((result) => [updateOf(result)!.kind, updateOf(result)!.available]),
    [
      ['SNAPSHOT', 1],
      ['CHANGE', 2],
      ['CHANGE', 3],
    ],
  );
  const changeCursors = first.results.slice(-2).map((result) => updateOf(result)!.cursor);
  assert.deepEqual(
    lateLive.results.map((result) => updateOf(result)!.cursor),
    changeCursors,
    'a shared event carries the same cursor for every subscriber',
  );
  assert.deepEqual(
    lateSnapshot.results.slice(1).map((result) => updateOf(result)!.cursor),
    changeCursors,
  );
  await untilUpstream(tickUpdateSubscriptions, baseline + 1, [wake('L1')]);

  // Resuming after the first event's cursor replays exactly what came after it, in order, then live ones.
  const resumed = subscribe(c, UPDATES, { sku: 'L1', after: resumeFrom });
  await resumed.next(2);
  await untilUpstream(tickUpdateSubscriptions, baseline + 1, [wake('L1')]);
  ticks.emit('tick', { sku: 'L1', available: 4 });
  await eventually(
    () => [first, lateLive, lateSnapshot, resumed].every((sub) => updateOf(sub.results.at(-1))?.available === 4),
    'the live change on every subscription',
  );
  const seen = (sub: ReturnType<typeof subscribe>) =>
    sub.results.map((result) => [updateOf(result)!.kind, updateOf(result)!.cursor, updateOf(result)!.available]);
  assert.deepEqual(withoutWakes(seen(resumed)), withoutWakes(seen(first).slice(primed)));
  assert.deepEqual(seen(lateSnapshot).slice(1), seen(first).slice(primed));
  assert.deepEqual(seen(lateLive), seen(first).slice(primed));
  assert.deepEqual(
    withoutWakes(seen(first).slice(primed - 1)).map((row) => row[2]),
    [1, 2, 3, 4],
  );

  const unknownCursor = subscribe(c, UPDATES, { sku: 'L1', after: '999999' });
  await unknownCursor.settled();
  assert.equal(unknownCursor.results[0]?.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
  assert.equal(unknownCursor.completed, true);
  await c.dispose();
  await untilUpstream(tickUpdateSubscriptions, baseline, [wake('L1')]);
});

test('subscribers that each asked for a snapshot in the document get their own snapshot and then share one upstream subscription', async () => {
  const baseline = tickUpdateSubscriptions();
  const SNAPSHOT_FIRST =
    'subscription Shelf($sku: String!, $after: String) { tickUpdates(sku: $sku, after: $after, snapshot: true) { cursor kind available } }';
  ticks.emit('tick', { sku: 'L2', available: 10 });
  const clients = [client(gateway), client(gateway), client(gateway)];
  const subs = clients.map((c) => subscribe(c, SNAPSHOT_FIRST, { sku: 'L2', after: null }));
  for (const sub of subs) await sub.next(1);
  assert.ok(subs.every((sub) => updateOf(sub.results[0])?.kind === 'SNAPSHOT' && updateOf(sub.results[0])?.available === 10));
  ticks.emit('tick', { sku: 'L2', available: 11 });
  await eventually(() => subs.every((sub) => updateOf(sub.results.at(-1))?.available === 11), 'the change on every subscription');
  await untilUpstream(tickUpdateSubscriptions, baseline + 1, [wake('L2')]);
  ticks.emit('tick', { sku: 'L2', available: 12 });
  await eventually(() => subs.every((sub) => updateOf(sub.results.at(-1))?.available === 12), 'the next change from the shared group');
  for (const sub of subs)
    assert.deepEqual(withoutWakes(sub.results.map((result) => [updateOf(result)!.kind, updateOf(result)!.available])), [
      ['SNAPSHOT', 10],
      ['CHANGE', 11],
      ['CHANGE', 12],
    ]);
  for (const c of clients) await c.dispose();
  await untilUpstream(tickUpdateSubscriptions, baseline, [wake('L2')]);
});

/** A graphql-transport-ws client on a bare `ws` socket, so that the test can stop reading from it. */
async function rawSubscriber(gatewayUrl: string, query: string, variables: Record<string, unknown>) {
  const socket = new WebSocket(gatewayUrl, 'graphql-transport-ws');
  const messages: { id?: string; type: string; payload?: { data?: Record<string, unknown>; errors?: { extensions?: { code?: string } }[] } }[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  await new Promise((resolve) => socket.once('open', resolve));
  socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
  await eventually(() => messages.some((message) => message.type === 'connection_ack'), 'connection_ack');
  socket.send(JSON.stringify({ id: 'slow-1', type: 'subscribe', payload: { query, variables } }));
  return { socket, messages };
}

test('a socket that stops reading is ended with SLOW_CONSUMER, in order after what it was sent, while the other subscribers of its group receive every event without waiting for it', async () => {
  const strict = await startTestGateway({ WS_MAX_BUFFERED_EVENTS: '5' });
  const baseline = upstreamTickSubscriptions();
  const BIG = 'subscription Big($sku: String!) { stockTicks(sku: $sku) { sku available padding(bytes: 200000) } }';
  const fastClient = client(strict);
  const fast = subscribe(fastClient, BIG, { sku: 'SKU-SLOW' });
  const slow = await rawSubscriber(wsUrl(strict), BIG, { sku: 'SKU-SLOW' });
  const slowNexts = () => slow.messages.filter((message) => message.type === 'next');
  await publishUntilAllReceived([fast], { sku: 'SKU-SLOW', available: 0 });
  while (slowNexts().length === 0) {
    ticks.emit('tick', { sku: 'SKU-SLOW', available: 0 });
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(upstreamTickSubscriptions(), baseline + 1, 'both subscribers share one group');
  await new Promise((resolve) => setTimeout(resolve, 500));
  slow.socket.pause();

  const EVENTS = 150; // 30 MB: more than the loopback socket buffers hold for the paused reader
  for (let available = 1; available <= EVENTS; available++) ticks.emit('tick', { sku: 'SKU-SLOW', available });
  await eventually(() => availableOf(fast.results.at(-1)) === EVENTS, 'every event on the fast subscriber', 60_000);
  assert.deepEqual(
    fast.results.map((result) => availableOf(result)).filter((available) => available !== 0),
    Array.from({ length: EVENTS }, (_, i) => i + 1),
  );
  assert.equal(fast.error, undefined);

  slow.socket.resume();
  await eventually(() => slow.messages.some((message) => message.type === 'complete'), 'the slow subscription to complete', 60_000);
  const afterWarmUp = slow.messages.filter(
    (message) => message.type === 'next' && !message.payload?.errors && (message.payload?.data?.['stockTicks'] as { available: number }).available !== 0,
  );
  const received = afterWarmUp.map((message) => (message.payload?.data?.['stockTicks'] as { available: number }).available);
  assert.ok(received.length < EVENTS, `the slow reader was ended early (it received ${received.length})`);
  assert.deepEqual(
    received,
    Array.from({ length: received.length }, (_, i) => i + 1),
    'what it was sent came in order, with no gap',
  );
  const tail = slow.messages.slice(-2);
  assert.equal(tail[0]?.type, 'next');
  assert.equal(tail[0]?.payload?.errors?.[0]?.extensions?.code, 'SLOW_CONSUMER');
  assert.equal(tail[1]?.type, 'complete');
  assert.equal(upstreamTickSubscriptions(), baseline + 1, 'the fast subscriber keeps the group');
  fast.dispose();
  slow.socket.close();
  await fastClient.dispose();
  await untilUpstream(upstreamTickSubscriptions, baseline, [{ sku: 'SKU-SLOW', available: 0 }]);
});
