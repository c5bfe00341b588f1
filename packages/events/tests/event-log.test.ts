import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import mongoose, { type Connection, type Model } from 'mongoose';
import { startTestDatabase, type RunningDatabase } from '@mesh/embedded-mongo';
import { startNatsServer, type TestNatsServer } from '@mesh/mesh-runner';
import {
  connectJetStreamBus,
  consumerDomain,
  createEnvelope,
  createEventLogModel,
  createOutboxModel,
  createProcessedEventModel,
  holdEvent,
  idempotent,
  mongoProcessedEvents,
  pendingEventsSource,
  readEventTrail,
  releaseEvent,
  startOutboxRelay,
  withPendingEvents,
  type EventBus,
  type EventLogModel,
  type OutboxModel,
  type ProcessedEventRecord,
} from '../src/index.js';
import { receipt, shelfModel, type ShelfRecord } from './fixtures/shelf.js';
import { waitFor } from './support/wait.js';

const DAY_MS = 24 * 3600 * 1000;

describe('the published-event log and the handled-event trail', () => {
  let database: RunningDatabase;
  let server: TestNatsServer;
  let connection: Connection;
  let shelves: Model<ShelfRecord>;
  let outbox: OutboxModel;
  let eventLog: EventLogModel;
  let processed: Model<ProcessedEventRecord>;
  let bus: EventBus;
  let run = 0;

  before(async () => {
    [database, server] = await Promise.all([startTestDatabase(), startNatsServer()]);
  });
  after(async () => {
    await Promise.all([database?.stop(), server?.stop()]);
  });
  beforeEach(async () => {
    run += 1;
    connection = await mongoose.createConnection(database.uri, { dbName: `event_log_${run}` }).asPromise();
    shelves = shelfModel(connection);
    outbox = createOutboxModel(connection);
    eventLog = createEventLogModel(connection);
    processed = createProcessedEventModel(connection);
    await Promise.all([shelves.init(), outbox.init(), eventLog.init(), processed.init()]);
    bus = await connectJetStreamBus({ servers: server.url, name: 'event-log-test' });
  });
  afterEach(async () => {
    await bus.close();
    await connection.close();
  });

  test('the relay records each event it published, embedded or from the outbox, with its lineage and a retention-based expiry', async () => {
    const embedded = receipt(`SKU-${run}`, 5, `receipt:${run}:a`);
    const fromOutbox = createEnvelope(
      'inventory.stock-movement-recorded',
      { ...receipt(`SKU-${run}`, 2, `receipt:${run}:b`).data },
      { causedBy: embedded, idempotencyKey: `receipt:${run}:b`, occurredAt: new Date(Date.parse(embedded.occurredAt) + 1000) },
    );
    await shelves.updateOne({ _id: `SKU-${run}` }, withPendingEvents({ $inc: { onHand: 5 } }, embedded), { upsert: true });
    await holdEvent(outbox, fromOutbox);
    await releaseEvent(outbox, fromOutbox.idempotencyKey);

    const before = Date.now();
    const relay = startOutboxRelay({ model: outbox, bus, sources: [pendingEventsSource(shelves)], intervalMs: 60_000, eventLogRetentionMs: 2 * DAY_MS });
    assert.equal(await relay.runOnce(), 2);
    await relay.stop();

    const { published } = await readEventTrail({ eventLog }, embedded.correlationId);
    assert.deepEqual(
      published.map(({ _id, type, source, correlationId, causationId, idempotencyKey, occurredAt }) => ({
        _id,
        type,
        source,
        correlationId,
        causationId,
        idempotencyKey,
        occurredAt: occurredAt.toISOString(),
      })),
      [
        {
          _id: embedded.id,
          type: embedded.type,
          source: 'inventory',
          correlationId: embedded.correlationId,
          causationId: undefined,
          idempotencyKey: embedded.idempotencyKey,
          occurredAt: embedded.occurredAt,
        },
        {
          _id: fromOutbox.id,
          type: fromOutbox.type,
          source: 'inventory',
          correlationId: embedded.correlationId,
          causationId: embedded.id,
          idempotencyKey: fromOutbox.idempotencyKey,
          occurredAt: fromOutbox.occurredAt,
        },
      ],
    );
    for (const entry of published) {
      assert.ok(entry.publishedAt.getTime() >= before - 5 && entry.publishedAt.getTime() <= Date.now());
      assert.equal(entry.expiresAt.getTime() - entry.publishedAt.getTime(), 2 * DAY_MS);
    }
  });

  test('the log is indexed by correlation id and expires entries through a TTL index on expiresAt', async () => {
    const indexes = await eventLog.collection.indexes();
    assert.ok(
      indexes.some((index) => index.key['correlationId'] === 1),
      'an index leads with correlationId',
    );
    const ttl = indexes.find((index) => index.key['expiresAt'] === 1);
    assert.equal(ttl?.expireAfterSeconds, 0);
  });

  test('publishing the same envelope again keeps one log entry and its first publish time', async () => {
    const event = receipt(`SKU-${run}`, 1, `receipt:${run}:dup`);
    await shelves.updateOne({ _id: `SKU-${run}` }, withPendingEvents({ $inc: { onHand: 1 } }, event), { upsert: true });
    const relay = startOutboxRelay({ model: outbox, bus, sources: [pendingEventsSource(shelves)], intervalMs: 60_000 });
    await relay.runOnce();
    const first = await eventLog.findById(event.id).lean();
    assert.ok(first);
    assert.equal(first.expiresAt.getTime() - first.publishedAt.getTime(), 30 * DAY_MS, 'the default retention is 30 days');

    // A relay that died after publishing but before pulling the event publishes it again.
    await shelves.updateOne({ _id: `SKU-${run}` }, withPendingEvents({}, event));
    await new Promise((resolve) => setTimeout(resolve, 5));
    await relay.runOnce();
    await relay.stop();
    const entries = await eventLog.find({ correlationId: event.correlationId }).lean();
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!.publishedAt.getTime(), first.publishedAt.getTime());
  });

  test('a relay given eventLog: false records nothing', async () => {
    const event = receipt(`SKU-${run}`, 1, `receipt:${run}:nolog`);
    await shelves.updateOne({ _id: `SKU-${run}` }, withPendingEvents({ $inc: { onHand: 1 } }, event), { upsert: true });
    const relay = startOutboxRelay({ model: outbox, bus, sources: [pendingEventsSource(shelves)], intervalMs: 60_000, eventLog: false });
    assert.equal(await relay.runOnce(), 1);
    await relay.stop();
    assert.equal(await eventLog.countDocuments(), 0);
  });

  test('an idempotent consumer remembers which event it handled, when, and under which correlation id; a redelivery adds nothing', async () => {
    const store = mongoProcessedEvents(processed);
    const handled: string[] = [];

    const consumer = `inventory-watch-${run}`;
    await bus.subscribe(
      'inventory.stock-movement-recorded',
      consumer,
      idempotent(store, (envelope) => void handled.push(envelope.id)),
      { backoffMs: [50] },
    );
    const event = receipt(`SKU-${run}`, 3, `receipt:${run}:handled`);
    const before = Date.now();
    await bus.publish(event);
    // The same fact published again under a new envelope id (a retried command): skipped by its key.
    await bus.publish(createEnvelope(event.type, event.data, { correlationId: event.correlationId, idempotencyKey: event.idempotencyKey }));
    // The stream still holds earlier tests' events (the consumer starts at the first): count this one's.
    const mine = () => handled.filter((id) => id === event.id).length;
    await waitFor(async () => (await processed.countDocuments({ state: 'DONE', correlationId: event.correlationId })) === 1 && handled.includes(event.id));
    // Then a marker of its own: the consumer takes the stream in order, one event at a time, so once
    // the marker is handled the re-published fact before it was too (skipped, or it would show below).
    const marker = receipt(`SKU-${run}`, 1, `receipt:${run}:marker`);
    await bus.publish(marker);
    await waitFor(() => handled.includes(marker.id), 20_000, 'the marker');

    const { handled: trail, published } = await readEventTrail({ eventLog, processedEvents: processed }, event.correlationId);
    assert.deepEqual(published, []);
    assert.equal(trail.length, 1);
    assert.deepEqual(
      { ...trail[0]!, handledAt: undefined },
      { consumer, eventId: event.id, type: event.type, correlationId: event.correlationId, handledAt: undefined },
    );
    assert.ok(trail[0]!.handledAt.getTime() >= before - 5);
    assert.equal(mine(), 1);
  });

  test('a consumer name tells its domain by its first segment', () => {
    assert.equal(consumerDomain('inventory-order-events'), 'inventory');
    assert.equal(consumerDomain('ledger-orders'), 'ledger');
    assert.equal(consumerDomain('order-stock-decisions'), 'order');
    assert.equal(consumerDomain('stock-watcher-1'), null);
  });
});
