import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { startNatsServer, type TestNatsServer } from '@mesh/mesh-runner';
import {
  InvalidCursorError,
  connectJetStreamBus,
  connectJetStreamLiveFeed,
  createEnvelope,
  decodeCursor,
  encodeCursor,
  openLiveUpdates,
  type EventBus,
  type LiveEvent,
  type LiveFeed,
} from '../src/index.js';

// The live feed on a real nats-server: every reader sees every event of its topic from its
// cursor, whichever process published it; cursors tell whether the retention window still covers them.
let server: TestNatsServer;
let bus: EventBus;
let otherReplica: EventBus;
let feed: LiveFeed;

before(async () => {
  server = await startNatsServer();
  bus = await connectJetStreamBus({ servers: server.url });
  otherReplica = await connectJetStreamBus({ servers: server.url });
  feed = await connectJetStreamLiveFeed({ servers: server.url });
});
after(async () => {
  await feed?.close();
  await Promise.all([bus?.close(), otherReplica?.close()]);
  await server?.stop();
});

const level = (sku: string, available: number) =>
  createEnvelope(
    'inventory.availability-changed',
    {
      sku,
      locationId: 'loc_1',
      onHand: available,
      reserved: 0,
      inTransit: 0,
      safetyStock: 0,
      availableToSell: available,
      previousAvailableToSell: available - 1,
    },
    { correlationId: 'test', idempotencyKey: `${sku}:${available}` },
  );

async function take<T>(iterator: AsyncIterator<T>, count: number): Promise<T[]> {
  const values: T[] = [];
  while (values.length < count) {
    // Patience only: a loaded machine may take seconds to carry an event through nats-server.
    let timer: NodeJS.Timeout | undefined;
    const next = await Promise.race([
      iterator.next(),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`only ${values.length} of ${count} arrived`)), 20_000))),
    ]).finally(() => clearTimeout(timer));
    if (next.done) break;
    values.push(next.value);
  }
  return values;
}

describe('the JetStream live feed', () => {
  test('a reader opened at the current position receives events published by any process, in order, each with an increasing cursor', async () => {
    const start = await feed.position('inventory');
    const reader = feed.open('inventory.availability-changed', { after: start });
    await bus.publish(level('A', 1));
    await otherReplica.publish(level('A', 2));
    await bus.publish(
      createEnvelope(
        'inventory.stock-reserved',
        { reservationId: 'r', orderId: 'o', locationId: 'loc_1', lines: [], expiresAt: new Date().toISOString() },
        { correlationId: 't', idempotencyKey: 'r' },
      ),
    );
    await bus.publish(level('A', 3));
    const events = await take(reader, 3);
    await reader.return?.();
    assert.deepEqual(
      events.map((event) => event.envelope.data.availableToSell),
      [1, 2, 3],
    );
    const sequences = events.map((event) => decodeCursor(event.cursor).sequence);
    assert.deepEqual(
      [...sequences].sort((a, b) => a - b),
      sequences,
    );
    assert.equal(new Set(sequences).size, 3);
  });

  test('a reader opened after a cursor receives exactly the events after it', async () => {
    const start = await feed.position('inventory');
    const first = feed.open('inventory.availability-changed', { after: start });
    for (const available of [10, 11, 12, 13]) await bus.publish(level('B', available));
    const all = await take(first, 4);
    await first.return?.();
    const resumed = feed.open('inventory.availability-changed', { after: all[0]!.cursor });
    const rest = await take(resumed, 3);
    await resumed.return?.();
    assert.deepEqual(
      rest.map((event: LiveEvent<'inventory.availability-changed'>) => event.envelope.data.availableToSell),
      [11, 12, 13],
    );
    assert.deepEqual(
      rest.map((event) => event.cursor),
      all.slice(1).map((event) => event.cursor),
    );
  });

  test('return() ends a waiting reader at once', async () => {
    const reader = feed.open('inventory.availability-changed');
    const pending = reader.next();
    await reader.return?.();
    // At once: the waiting next() settles before the event loop turns again, so it waited for no
    // event, no pull and no timer (a bound in milliseconds would only hold on a quiet machine).
    const first = await Promise.race([pending.then(() => 'the reader'), new Promise((resolve) => setImmediate(resolve, 'the next turn of the event loop'))]);
    assert.equal(first, 'the reader');
    assert.deepEqual(await pending, { value: undefined, done: true });
  });

  test('a cursor is retained until the events after it are removed, and foreign cursors are refused', async () => {
    const cursor = await feed.position('inventory');
    await bus.publish(level('C', 1));
    await bus.publish(level('C', 2));
    assert.equal(await feed.isRetained(cursor), true);
    const nc = await connect({ servers: server.url });
    try {
      await (await jetstreamManager(nc)).streams.purge('EVENTS_INVENTORY', { keep: 1 });
    } finally {
      await nc.close();
    }
    assert.equal(await feed.isRetained(cursor), false);
    assert.equal(await feed.isRetained(await feed.position('inventory')), true);
    assert.equal(await feed.isRetained(encodeCursor('EVENTS_INVENTORY', 10_000_000)), false, 'a cursor past the end (a recreated stream) is not retained');
    await assert.rejects(feed.isRetained('not-a-cursor'), InvalidCursorError);
    assert.throws(() => feed.open('order.order-placed', { after: cursor }), InvalidCursorError);
  });

  test('live updates resumed from an expired cursor say so, then send a fresh snapshot, then changes', async () => {
    const stale = encodeCursor('EVENTS_INVENTORY', 1);
    const updates = await openLiveUpdates({
      feed,
      topic: 'inventory.availability-changed',
      after: stale,
      snapshot: false,
      readSnapshot: async (cursor) => [{ kind: 'SNAPSHOT', cursor, available: 7 }],
      toUpdate: (event) => ({ kind: 'CHANGE', cursor: event.cursor, available: event.envelope.data.availableToSell }),
      retentionExceeded: (cursor) => ({ kind: 'RETENTION_EXCEEDED', cursor, available: -1 }),
      policy: { kind: 'bounded', max: 10, overflow: () => new Error('slow') },
      failed: (error) => (error instanceof Error ? error : new Error(String(error))),
    });
    await bus.publish(level('D', 8));
    const received = await take(updates, 3);
    await updates.return?.();
    assert.deepEqual(
      received.map((update) => (update instanceof Error ? update.message : [update.kind, update.available])),
      [
        ['RETENTION_EXCEEDED', -1],
        ['SNAPSHOT', 7],
        ['CHANGE', 8],
      ],
    );
  });

  test('a bounded reader that falls behind ends with its overflow error after what it holds; a coalescing one collapses to the newest value per key', async () => {
    // How many events each reader has taken in: an update is held (or overflows) right after its
    // toUpdate returns, in the same turn of the event loop.
    const takenIn = { bounded: 0, coalesced: 0 };
    const options = (reader: keyof typeof takenIn) => ({
      feed,
      topic: 'inventory.availability-changed' as const,
      snapshot: false,
      readSnapshot: async () => [],
      toUpdate: (event: LiveEvent<'inventory.availability-changed'>) => {
        takenIn[reader] += 1;
        return { key: event.envelope.data.sku, available: event.envelope.data.availableToSell };
      },
      retentionExceeded: () => ({ key: '', available: -1 }),
      failed: () => new Error('failed'),
    });
    const bounded = await openLiveUpdates({ ...options('bounded'), policy: { kind: 'bounded', max: 2, overflow: () => new Error('SLOW_CONSUMER') } });
    const coalesced = await openLiveUpdates({
      ...options('coalesced'),
      policy: { kind: 'coalesce', key: (update) => update.key, max: 3, overflow: () => new Error('overflow') },
    });
    for (const [sku, available] of [
      ['E', 1],
      ['F', 1],
      ['E', 2],
      ['E', 3],
      ['F', 2],
    ] as const)
      await bus.publish(level(sku, available));
    // Nobody reads until the readers have taken in what they will: the bounded one its third event
    // (one past its two, which ends it: it takes no more), the coalescing one all five.
    const deadline = Date.now() + 20_000;
    while (takenIn.bounded < 3 || takenIn.coalesced < 5) {
      if (Date.now() > deadline) throw new Error(`the readers took in ${JSON.stringify(takenIn)} of the five events`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const fromBounded = await take(bounded, 4);
    assert.deepEqual(
      fromBounded.map((update) => (update instanceof Error ? update.message : update.available)),
      [1, 1, 'SLOW_CONSUMER'],
    );
    assert.deepEqual(
      await take(coalesced, 3).then((all) => all.map((update) => (update instanceof Error ? update.message : `${update.key}${update.available}`))),
      ['F1', 'E3', 'F2'],
    );
    await coalesced.return?.();
  });
});
