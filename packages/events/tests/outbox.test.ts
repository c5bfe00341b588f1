import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import mongoose, { type Connection, type Model } from 'mongoose';
import { startTestDatabase } from '@mesh/embedded-mongo';
import type { RunningDatabase } from '@mesh/embedded-mongo';
import {
  announceEvents,
  writtenDocuments,
  connectJetStreamBus,
  createOutboxModel,
  discardEvent,
  holdEvent,
  pendingEventsSource,
  releaseEvent,
  startOutboxRelay,
  withPendingEvents,
  type EventBus,
  type OutboxModel,
  type OutboxRelay,
} from '../src/index.js';
import { recorder } from './support/bus-contract.js';
import { natsServerBinary, startNatsServer, type TestNatsServer } from '@mesh/mesh-runner';
import { waitFor } from './support/wait.js';
import { receipt, resolveHeldReceipt, shelfModel, type ShelfRecord } from './fixtures/shelf.js';

let database: RunningDatabase;
let server: TestNatsServer;
let connection: Connection;
let shelves: Model<ShelfRecord>;
let outbox: OutboxModel;
let bus: EventBus;
let received: ReturnType<typeof recorder>;
const relays: OutboxRelay[] = [];
let run = 0;

test('a nats-server binary is available to the outbox suite', () => {
  natsServerBinary();
});

describe('the outbox and its relay', () => {
  before(async () => {
    [database, server] = await Promise.all([startTestDatabase(), startNatsServer()]);
  });
  after(async () => {
    await Promise.all([database?.stop(), server?.stop()]);
  });
  beforeEach(async () => {
    run += 1;
    // Command monitoring on, for the test that counts the relay's commands.
    connection = await mongoose.createConnection(database.uri, { dbName: `outbox_${run}`, monitorCommands: true }).asPromise();
    shelves = shelfModel(connection);
    outbox = createOutboxModel(connection);
    await Promise.all([shelves.init(), outbox.init()]);
    const admin = await connect({ servers: server.url });
    const jsm = await jetstreamManager(admin);
    for await (const name of jsm.streams.names()) await jsm.streams.delete(name);
    await admin.close();
    bus = await connectJetStreamBus({ servers: server.url, name: 'outbox-test' });
    received = recorder();
    await bus.subscribe('inventory.stock-movement-recorded', `stock-watcher-${run}`, received.handler, { backoffMs: [50] });
  });
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((relay) => relay.stop()));
    await bus.close();
    await connection.close();
  });
  const relay = (options: Partial<Parameters<typeof startOutboxRelay>[0]> = {}) => {
    const started = startOutboxRelay({ model: outbox, bus, sources: [pendingEventsSource(shelves)], intervalMs: 60_000, ...options });
    relays.push(started);
    return started;
  };
  /**
   * Publishes a marker after everything the test published and waits until the watcher has it:
   * its consumer takes the stream in order, one event at a time, so an event it has not seen by
   * then was never published (a fixed pause could end before a late duplicate arrives).
   */
  const drained = async () => {
    const marker = receipt(`SKU-${run}`, 0, `receipt:${run}:marker`);
    await bus.publish(marker);
    await waitFor(() => received.seen.some((entry) => entry.envelope.id === marker.id), 20_000, 'the marker');
    return marker;
  };

  test('a state change and its embedded event are one write; the relay publishes the event and clears it from the document', async () => {
    const event = receipt(`SKU-${run}`, 5, `receipt:${run}:a`);
    await shelves.updateOne({ _id: `SKU-${run}` }, withPendingEvents({ $inc: { onHand: 5 } }, event), { upsert: true });
    const written = await shelves.findById(`SKU-${run}`).lean();
    assert.equal(written?.onHand, 5);
    assert.deepEqual(
      written?.pendingEvents.map((pending) => pending.id),
      [event.id],
    );

    assert.equal(await relay().runOnce(), 1);
    await waitFor(() => received.seen.length === 1);
    assert.deepEqual(received.seen[0]!.envelope, event);
    assert.deepEqual((await shelves.findById(`SKU-${run}`).lean())?.pendingEvents, []);
  });

  test('the relay publishes outbox events oldest first and marks them sent', async () => {
    const base = Date.now();
    const events = [3, 1, 2].map((order) => receipt(`SKU-${run}`, order, `receipt:${run}:${order}`, order, new Date(base + order * 1000)));
    for (const event of events) {
      await holdEvent(outbox, event);
      await releaseEvent(outbox, event.idempotencyKey);
    }
    assert.equal(await relay().runOnce(), 3);
    await waitFor(() => received.seen.length === 3);
    assert.deepEqual(
      received.seen.map((entry) => entry.envelope.idempotencyKey),
      [1, 2, 3].map((order) => `receipt:${run}:${order}`),
    );
    const entries = await outbox.find().lean();
    assert.ok(entries.every((entry) => entry.status === 'SENT' && entry.sentAt instanceof Date));
  });

  test('a failed publish stops the pass so that later events never overtake it, and the next pass sends them in order', async () => {
    const base = Date.now();
    const events = [1, 2, 3].map((order) => receipt(`SKU-${run}`, order, `receipt:${run}:${order}`, order, new Date(base + order * 1000)));
    for (const event of events) {
      await holdEvent(outbox, event);
      await releaseEvent(outbox, event.idempotencyKey);
    }
    let outage = true;
    const flaky: EventBus = {
      ...bus,
      publish: async (envelope) => {
        if (outage && envelope.id === events[1]!.id) throw new Error('nats unreachable');
        return bus.publish(envelope);
      },
    };
    const relayed = relay({ bus: flaky });
    assert.equal(await relayed.runOnce(), 1);
    const failed = await outbox.findById(events[1]!.id).lean();
    assert.deepEqual([failed?.status, failed?.attempts, failed?.lastError], ['PENDING', 1, 'Error: nats unreachable']);
    assert.equal((await outbox.findById(events[2]!.id).lean())?.status, 'PENDING');

    outage = false;
    assert.equal(await relayed.runOnce(), 2);
    await waitFor(() => received.seen.length === 3);
    assert.deepEqual(
      received.ids(),
      events.map((event) => event.id),
    );
  });

  test('a held event is published only after its release, and a discarded one never', async () => {
    const kept = receipt(`SKU-${run}`, 1, `receipt:${run}:kept`);
    const refused = receipt(`SKU-${run}`, 1, `receipt:${run}:refused`);
    await holdEvent(outbox, kept);
    await holdEvent(outbox, refused);
    const relayed = relay();
    assert.equal(await relayed.runOnce(), 0);
    await releaseEvent(outbox, kept.idempotencyKey);
    await discardEvent(outbox, refused.idempotencyKey);
    assert.equal(await relayed.runOnce(), 1);
    const marker = await drained();
    assert.deepEqual(received.ids(), [kept.id, marker.id]);
    assert.equal(await outbox.countDocuments({ key: refused.idempotencyKey }), 0);
  });

  test('holding the same state change twice keeps the envelope that was held first', async () => {
    const first = receipt(`SKU-${run}`, 1, `receipt:${run}:retried`);
    const retry = receipt(`SKU-${run}`, 1, `receipt:${run}:retried`);
    assert.deepEqual(await holdEvent(outbox, first), first);
    assert.deepEqual(await holdEvent(outbox, retry), first);
    assert.equal(await outbox.countDocuments(), 1);
  });

  test('a held event whose writer died is published or discarded by resolveHeld once the hold times out', async () => {
    const applied = receipt(`SKU-${run}`, 4, `receipt:${run}:applied`);
    const neverApplied = receipt(`SKU-${run}`, 9, `receipt:${run}:never-applied`);
    await holdEvent(outbox, applied);
    await shelves.create({ _id: `SKU-${run}`, onHand: 4, movementKeys: [applied.idempotencyKey] });
    await holdEvent(outbox, neverApplied);
    // A hold times out `holdTimeoutMs` after it was recorded. The timeout is long, so that the pass
    // below runs before it whatever the machine's load; then the holds are dated back past it, as
    // if that long had passed.
    const holdTimeoutMs = 60_000;
    const relayed = relay({ resolveHeld: resolveHeldReceipt(shelves), holdTimeoutMs });
    assert.equal(await relayed.runOnce(), 0, 'not before the hold timeout');
    await outbox.updateMany({ status: 'HELD' }, { $set: { recordedAt: new Date(Date.now() - holdTimeoutMs - 1000) } });
    assert.equal(await relayed.runOnce(), 1);
    await waitFor(() => received.seen.length === 1);
    assert.deepEqual(received.ids(), [applied.id]);
    assert.equal(await outbox.countDocuments({ key: neverApplied.idempotencyKey }), 0);
  });

  test('a relay that died after publishing but before marking publishes again, and the bus drops the duplicate', async () => {
    const event = receipt(`SKU-${run}`, 1, `receipt:${run}:twice`);
    await holdEvent(outbox, event);
    await releaseEvent(outbox, event.idempotencyKey);
    await bus.publish(event); // what the dead relay did before it could mark the entry sent
    assert.equal(await relay().runOnce(), 1);
    assert.equal((await outbox.findById(event.id).lean())?.status, 'SENT');
    const marker = await drained();
    assert.deepEqual(received.ids(), [event.id, marker.id]);
  });

  test('two relays (two replicas) sweeping the same documents and outbox at once publish every event once, each document in order', async () => {
    // The second replica: its own broker connection and its own relay over the same collections.
    const otherBus = await connectJetStreamBus({ servers: server.url, name: 'outbox-test-replica' });
    try {
      const replicas = [relay(), relay({ bus: otherBus })];
      const expected = new Map<string, string[]>();
      const outboxEvents: string[] = [];
      for (let round = 0; round < 3; round++) {
        for (let index = 0; index < 10; index++) {
          const id = `SKU-${run}-${index}`;
          const events = [1, 2].map((step) => receipt(id, step, `receipt:${run}:${round}:${index}:${step}`));
          expected.set(id, [...(expected.get(id) ?? []), ...events.map((event) => event.id)]);
          await shelves.updateOne({ _id: id }, withPendingEvents({ $inc: { onHand: 3 } }, ...events), { upsert: true });
          const held = receipt(
            `SKU-${run}-outbox`,
            1,
            `receipt:${run}:${round}:${index}:outbox`,
            round * 10 + index,
            new Date(Date.now() + round * 10 + index),
          );
          await holdEvent(outbox, held);
          await releaseEvent(outbox, held.idempotencyKey);
          outboxEvents.push(held.id);
        }
        // Both replicas sweep at once (as their timers and their own writes' announcements would have them do).
        await Promise.all(replicas.map((replica) => replica.runOnce()));
      }
      await Promise.all(replicas.map((replica) => replica.runOnce()));
      const marker = await drained();
      const ids = received.ids().filter((id) => id !== marker.id);
      assert.equal(new Set(ids).size, ids.length, 'no event reached the stream twice');
      assert.equal(ids.length, [...expected.values()].flat().length + outboxEvents.length, 'every event reached the stream');
      for (const [id, events] of expected) {
        assert.deepEqual(
          received.seen.filter((entry) => (entry.envelope.data as { sku?: string }).sku === id).map((entry) => entry.envelope.id),
          events,
          `${id}'s events in order`,
        );
      }
      assert.equal(await shelves.countDocuments({ 'pendingEvents.id': { $exists: true } }), 0, 'nothing left pending');
      assert.equal(await outbox.countDocuments({ _id: { $in: outboxEvents }, status: 'SENT' }), outboxEvents.length, 'every outbox entry marked sent');
    } finally {
      await Promise.all(relays.splice(0).map((started) => started.stop()));
      await otherBus.close();
    }
  });

  test('the relay makes a first pass when it starts and another at once when poked', async () => {
    const early = receipt(`SKU-${run}`, 1, `receipt:${run}:early`);
    await shelves.create({ _id: `SKU-${run}`, onHand: 0, movementKeys: [] });
    await shelves.updateOne({ _id: `SKU-${run}` }, withPendingEvents({ $inc: { onHand: 1 } }, early));
    const relayed = relay({ intervalMs: 60_000 });
    // Any wait well below the 60 s interval shows a pass that did not wait for the timer; the
    // budget is patience for a loaded machine.
    await waitFor(() => received.seen.length === 1, 20_000, 'the first pass');
    const poked = receipt(`SKU-${run}`, 1, `receipt:${run}:poked`);
    await shelves.updateOne({ _id: `SKU-${run}` }, withPendingEvents({ $inc: { onHand: 1 } }, poked));
    relayed.poke();
    await waitFor(() => received.seen.length === 2, 20_000, 'the poked pass');
    assert.deepEqual(received.ids(), [early.id, poked.id]);
  });

  test('a write that announces its events wakes the relay: no poke, no timer', async () => {
    await shelves.create({ _id: `SKU-${run}`, onHand: 0, movementKeys: [] });
    const relayed = relay({ intervalMs: 60_000 });
    await relayed.runOnce(); // the first pass is over: only an announcement can start another
    const announced = receipt(`SKU-${run}`, 1, `receipt:${run}:announced`);
    await shelves.updateOne({ _id: `SKU-${run}` }, withPendingEvents({ $inc: { onHand: 1 } }, announced));
    announceEvents(shelves);
    await waitFor(() => received.seen.length === 1, 20_000, 'the announced pass');
    assert.deepEqual(received.ids(), [announced.id]);
  });

  test('a write announced with what it wrote is published without reading the source, in order, earlier pending events included, and cleared', async () => {
    await shelves.create({ _id: `SKU-${run}`, onHand: 0, movementKeys: [] });
    let reads = 0;
    const source = pendingEventsSource(shelves);
    const counted = { ...source, withPendingEvents: (limit: number) => ((reads += 1), source.withPendingEvents(limit)) };
    const relayed = relay({ sources: [counted] });
    await relayed.runOnce(); // the first (timed) pass is over: only announcements start others
    const readsBefore = reads;
    const earlier = receipt(`SKU-${run}`, 1, `receipt:${run}:earlier`);
    await shelves.updateOne({ _id: `SKU-${run}` }, withPendingEvents({ $inc: { onHand: 1 } }, earlier)); // written, not announced
    const later = receipt(`SKU-${run}`, 2, `receipt:${run}:later`);
    const after = await shelves.findOneAndUpdate({ _id: `SKU-${run}` }, withPendingEvents({ $inc: { onHand: 1 } }, later), { returnDocument: 'after' }).lean();
    announceEvents(shelves, writtenDocuments(after!));
    await waitFor(() => received.seen.length === 2, 20_000, 'the announced events');
    assert.deepEqual(received.ids(), [earlier.id, later.id]);
    assert.equal(reads, readsBefore, 'the source was not read');
    await waitFor(async () => ((await shelves.findById(`SKU-${run}`).lean())?.pendingEvents ?? []).length === 0, 20_000, 'the published events cleared');
    assert.equal(writtenDocuments({ _id: 'no list' }), undefined, 'a document without its list makes the relay read instead');
  });

  test('one pass hands a whole batch to the bus at once, keeps each document in order, and clears it in one write', async () => {
    const documents = 30;
    const perDocument = 3;
    const expected = new Map<string, string[]>();
    for (let index = 0; index < documents; index++) {
      const id = `SKU-${run}-${index}`;
      const events = Array.from({ length: perDocument }, (_, step) => receipt(id, step + 1, `receipt:${run}:${index}:${step}`));
      expected.set(
        id,
        events.map((event) => event.id),
      );
      await shelves.create({ _id: id, onHand: 0, movementKeys: [] });
      await shelves.updateOne({ _id: id }, withPendingEvents({ $inc: { onHand: 6 } }, ...events));
    }
    let inFlight = 0;
    let mostInFlight = 0;
    const counting: EventBus = {
      ...bus,
      publish: (envelope) => {
        inFlight += 1;
        mostInFlight = Math.max(mostInFlight, inFlight);
        return bus.publish(envelope).finally(() => (inFlight -= 1));
      },
    };
    const commands: string[] = [];
    const listener = (event: { commandName: string; command: Record<string, unknown> }) => {
      const target = event.command[event.commandName];
      // Reads and writes only: the event log's model creates its collection and indexes on first use.
      if (['find', 'insert', 'update', 'delete'].includes(event.commandName) && (target === 'shelves' || target === 'event_log'))
        commands.push(`${event.commandName} ${String(target)}`);
    };
    const client = connection.getClient();
    client.on('commandStarted', listener);
    try {
      assert.equal(await relay({ bus: counting }).runOnce(), documents * perDocument);
    } finally {
      client.off('commandStarted', listener);
    }
    assert.equal(mostInFlight, documents * perDocument, 'every event of the batch was in flight at once (one ack wait)');
    assert.deepEqual(
      commands.sort(),
      ['find shelves', 'update event_log', 'update shelves'],
      'one read, one event-log write and one clearing write for the batch',
    );
    await waitFor(() => received.seen.length === documents * perDocument, 20_000, 'every event');
    for (const [id, ids] of expected) {
      assert.deepEqual(
        received.seen.filter((entry) => (entry.envelope.data as { sku?: string }).sku === id).map((entry) => entry.envelope.id),
        ids,
        `${id}'s events in order`,
      );
    }
    assert.equal(await shelves.countDocuments({ 'pendingEvents.id': { $exists: true } }), 0);
  });

  test('finding pending events examines the documents that have some, not the collection', async () => {
    await shelves.insertMany(Array.from({ length: 3000 }, (_, index) => ({ _id: `quiet-${run}-${index}`, onHand: 1, movementKeys: [] })));
    for (let index = 0; index < 5; index++) {
      const id = `busy-${run}-${index}`;
      await shelves.create({ _id: id, onHand: 0, movementKeys: [] });
      await shelves.updateOne({ _id: id }, withPendingEvents({ $inc: { onHand: 1 } }, receipt(id, 1, `receipt:${run}:busy:${index}`)));
      // One with its events already published: an emptied array must not count as pending.
      if (index === 0) await shelves.updateOne({ _id: id }, { $pull: { pendingEvents: {} } });
    }
    const stats = async () =>
      ((await connection.db!.command({ meshQueryStats: 1 }))['namespaces'] as Record<string, { docsExamined: number }>)[`outbox_${run}.shelves`]
        ?.docsExamined ?? 0;
    const before = await stats();
    assert.equal(await relay().runOnce(), 4);
    const examined = (await stats()) - before;
    assert.ok(examined <= 4 * 3, `the relay examined ${examined} shelf documents for 4 with pending events among 3,005`);
  });
});
