import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectJetStreamBus, createEnvelope, type AnyEnvelope, type EventBus } from '@mesh/events';
// The exceptions desk serves every domain's consumers: this suite runs inventory's real consumer beside it.
import { createInventorySubgraph } from '@mesh/inventory-subgraph';
import { startNatsServer, type TestNatsServer } from '@mesh/mesh-runner';
import type { RunningDatabase } from '@mesh/embedded-mongo';
import { principals, shipmentWithLostPlacement, startTestDatabase, startTestSubgraph, type TestSubgraph } from '@mesh/test-kit';
import { createLedgerSubgraph } from '../src/module.js';
import { firstCode } from './ledger-test-helpers.js';

const DEAD_LETTERS = `query($domain: TraceDomain, $consumer: String) {
  deadLetters(domain: $domain, consumer: $consumer) { id consumer domain topic eventId correlationId errorName errorMessage deliveries firstFailedAt lastFailedAt }
}`;
const REPLAY = 'mutation($id: ID!) { replayDeadLetter(id: $id) { id consumer eventId } }';

interface LetterJson {
  id: string;
  consumer: string;
  domain: string | null;
  topic: string;
  eventId: string;
  correlationId: string;
  errorMessage: string;
  deliveries: number;
  firstFailedAt: string;
  lastFailedAt: string;
}

const waitFor = async (condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

let database: RunningDatabase;
let nats: TestNatsServer;
let ledger: TestSubgraph;
let inventory: TestSubgraph;
let orderDomain: EventBus;
const seen: AnyEnvelope[] = [];

before(async () => {
  [database, nats] = await Promise.all([startTestDatabase(), startNatsServer()]);
  ledger = await startTestSubgraph(createLedgerSubgraph({ consumerDelivery: { maxDeliver: 2, backoffMs: [50] } }), {
    mongoUri: database.uri,
    natsUrl: nats.url,
    seed: false,
  });
  inventory = await startTestSubgraph(createInventorySubgraph({ relayIntervalMs: 50, orderEventsDelivery: { maxDeliver: 2, backoffMs: [100] } }), {
    mongoUri: database.uri,
    natsUrl: nats.url,
  });
  // Stands in for the order domain: publishes its events and watches inventory's answers.
  orderDomain = await connectJetStreamBus({ servers: nats.url, name: 'order-domain-stand-in' });
  await orderDomain.subscribe(
    ['inventory.stock-reserved', 'inventory.reservation-committed', 'inventory.stock-reservation-rejected'],
    'order-test-watcher',
    (envelope) => {
      seen.push(envelope);
    },
  );
});
after(async () => {
  await orderDomain?.close();
  await inventory?.close();
  await ledger?.close();
  await Promise.all([database?.stop(), nats?.stop()]);
});

const letters = async (variables: Record<string, unknown> = {}) =>
  (await ledger.request<{ deadLetters: LetterJson[] }>(DEAD_LETTERS, variables, principals.analyst)).data!.deadLetters;

describe('dead letters of every consumer of the mesh', () => {
  test("an event inventory's consumer cannot process lands in the ledger's dead letters with its domain, and a replay after the fix processes it exactly once", async () => {
    const orderId = 'ord_dead_letter_1';
    const correlationId = 'corr-dead-letter-1';
    const { placed, shipped } = shipmentWithLostPlacement({ orderId, orderNumber: 'W-DL-1', correlationId });

    // The poison: the shipment arrives while inventory holds no reservation for the order (its placement was lost).
    await orderDomain.publish(shipped);
    // Both consumers fail it on their own clocks: wait for each domain's letter, not just the first.
    await waitFor(async () => {
      const found = (await letters()).filter((letter) => letter.eventId === shipped.id);
      return found.some((letter) => letter.domain === 'INVENTORY') && found.some((letter) => letter.domain === 'LEDGER');
    }, 'both dead letters');
    const [letter] = (await letters({ domain: 'INVENTORY' })).filter((candidate) => candidate.eventId === shipped.id);
    assert.ok(letter);
    assert.deepEqual(
      { consumer: letter.consumer, domain: letter.domain, topic: letter.topic, correlationId: letter.correlationId, deliveries: letter.deliveries },
      { consumer: 'inventory-order-events', domain: 'INVENTORY', topic: 'order.order-status-changed', correlationId, deliveries: 2 },
    );
    assert.match(letter.errorMessage, /no decided reservation/);
    assert.ok(Date.parse(letter.lastFailedAt) - Date.parse(letter.firstFailedAt) >= 90, 'the two failures were a backoff apart');
    // The ledger, started without its chart of accounts, failed the same event: one list shows both domains' letters.
    assert.deepEqual(
      (await letters({ domain: 'LEDGER' })).filter((candidate) => candidate.eventId === shipped.id).map((candidate) => [candidate.consumer, candidate.domain]),
      [['ledger-orders', 'LEDGER']],
    );
    assert.equal((await letters({ consumer: 'inventory-order-events' })).length, 1);

    // Listing needs events:read, replaying events:replay.
    assert.equal(firstCode(await ledger.request(DEAD_LETTERS, {}, principals.associate)), 'FORBIDDEN');
    assert.equal(firstCode(await ledger.request(DEAD_LETTERS, {}, principals.anonymous)), 'UNAUTHENTICATED');
    assert.equal(firstCode(await ledger.request(REPLAY, { id: letter.id }, principals.analyst)), 'FORBIDDEN');
    assert.equal(firstCode(await ledger.request(REPLAY, { id: letter.id }, principals.associate)), 'FORBIDDEN');

    // The fix: the placement arrives, and inventory reserves the stock.
    await orderDomain.publish(placed);
    await waitFor(() => seen.some((event) => event.type === 'inventory.stock-reserved' && event.data.orderId === orderId), 'the reservation');
    assert.equal(seen.filter((event) => event.type === 'inventory.reservation-committed').length, 0);

    const replayed = await ledger.request<{ replayDeadLetter: { consumer: string; eventId: string } }>(REPLAY, { id: letter.id }, principals.admin);
    assert.deepEqual(replayed.data?.replayDeadLetter, { id: letter.id, consumer: 'inventory-order-events', eventId: shipped.id });
    await waitFor(() => seen.some((event) => event.type === 'inventory.reservation-committed' && event.data.orderId === orderId), 'the commit');
    assert.equal(firstCode(await ledger.request(REPLAY, { id: letter.id }, principals.admin)), 'NOT_FOUND');
    // Exactly once, shown without a pause: inventory has finished the replayed event, its relay has
    // published everything recorded (no queued level change or reservation event left), and a marker published after that has
    // reached the watcher, which takes the stream in order: a second commit would be before it.
    const claim = `inventory-order-events|${shipped.type}:${shipped.idempotencyKey}`;
    await waitFor(
      async () => (await inventory.connection.collection<{ _id: string; state: string }>('processed_events').findOne({ _id: claim }))?.state === 'DONE',
      'inventory to finish the replayed event',
    );
    const queued = async () =>
      (await inventory.connection.collection('stock_levels').countDocuments({ 'changes.id': { $exists: true } })) +
      (await inventory.connection.collection('reservations').countDocuments({ 'pendingEvents.id': { $exists: true } }));
    await waitFor(async () => (await queued()) === 0, "inventory's relay to publish what it recorded");
    const marker = createEnvelope(
      'inventory.reservation-committed',
      { reservationId: 'res_marker', orderId: 'ord_marker', locationId: 'loc_marker', lines: [], movementIds: [] },
      { correlationId: 'marker', idempotencyKey: 'marker:committed' },
    );
    await orderDomain.publish(marker);
    await waitFor(() => seen.some((event) => event.id === marker.id), 'the marker');
    assert.equal(
      seen.filter((event) => event.type === 'inventory.reservation-committed' && event.data.orderId === orderId).length,
      1,
      'committed exactly once',
    );
    assert.deepEqual(await letters({ domain: 'INVENTORY' }), []);
    assert.equal((await letters({ domain: 'LEDGER' })).length, 1, "the ledger's letter stays until it is replayed");
  });
});
