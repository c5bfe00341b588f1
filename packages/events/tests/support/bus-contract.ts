import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { startTestDatabase } from '@mesh/embedded-mongo';
import type { RunningDatabase } from '@mesh/embedded-mongo';
import {
  createEnvelope,
  createProcessedEventModel,
  DeadLetterNotFoundError,
  idempotent,
  InvalidEnvelopeError,
  mongoProcessedEvents,
  observeBus,
  type AnyEnvelope,
  type BusObserver,
  type DeliveryContext,
  type EnvelopeOf,
  type EventBus,
  type Topic,
} from '../../src/index.js';
import { busyClaimsContract } from './busy-claims-contract.js';
import { waitFor } from './wait.js';

/** How the contract reaches one adapter. */
export interface BusFixture {
  readonly name: string;
  /** Before the suite (start the server). */
  setup(): Promise<void>;
  /** Before each test: empty streams, no consumers, no dead letters. */
  reset(): Promise<void>;
  /** A new bus on the current state, like another process connecting to the same server. */
  connect(): Promise<EventBus>;
  /** After the suite. */
  dispose(): Promise<void>;
}

/** Options that keep retries quick in tests. */
const FAST = { backoffMs: [50], ackWaitMs: 5000 } as const;

export function confirmed(orderId = `ord_${randomUUID().slice(0, 8)}`, idempotencyKey = `order:${orderId}:confirmed`): EnvelopeOf<'order.order-confirmed'> {
  return createEnvelope('order.order-confirmed', { orderId, reservationId: `res_${orderId}` }, { correlationId: `req_${orderId}`, idempotencyKey });
}

/** Records what a handler saw; `handler` can be given a behaviour per delivery. */
export function recorder<T extends Topic = Topic>(behaviour: (envelope: AnyEnvelope<T>, context: DeliveryContext) => Promise<void> | void = () => {}) {
  const seen: { envelope: AnyEnvelope<T>; context: DeliveryContext }[] = [];
  return {
    seen,
    ids: () => seen.map((entry) => entry.envelope.id),
    handler: async (envelope: AnyEnvelope<T>, context: DeliveryContext) => {
      seen.push({ envelope, context });
      await behaviour(envelope, context);
    },
  };
}

/**
 * Measures how handlers overlap: `hold(ms)` is a handler behaviour that stays in flight for `ms`,
 * counting events in flight overall and per order id, and recording the order they finish in.
 */
export function overlapGauge() {
  const active = new Map<string, number>();
  const maxPerKey = new Map<string, number>();
  const finished: { key: string; id: string }[] = [];
  let current = 0;
  const gauge = {
    maxActive: 0,
    finished,
    maxActiveOf: (key: string) => maxPerKey.get(key) ?? 0,
    hold: (ms: number) => async (envelope: AnyEnvelope) => {
      const key = 'orderId' in envelope.data ? String(envelope.data.orderId) : envelope.id;
      current += 1;
      gauge.maxActive = Math.max(gauge.maxActive, current);
      active.set(key, (active.get(key) ?? 0) + 1);
      maxPerKey.set(key, Math.max(maxPerKey.get(key) ?? 0, active.get(key)!));
      await new Promise((resolve) => setTimeout(resolve, ms));
      active.set(key, active.get(key)! - 1);
      current -= 1;
      finished.push({ key, id: envelope.id });
    },
  };
  return gauge;
}

/** The bus behaviour every adapter must show; runs unchanged against each. */
export function busContract(fixture: BusFixture): void {
  describe(`the event bus contract (${fixture.name})`, () => {
    let database: RunningDatabase;
    let connection: Connection;
    const open: EventBus[] = [];
    const connect = async () => {
      const bus = await fixture.connect();
      open.push(bus);
      return bus;
    };

    before(async () => {
      await fixture.setup();
      database = await startTestDatabase();
      connection = await mongoose.createConnection(database.uri, { dbName: 'events_contract' }).asPromise();
    });
    after(async () => {
      await connection?.close();
      await database?.stop();
      await fixture.dispose();
    });
    beforeEach(() => fixture.reset());
    afterEach(async () => {
      await Promise.all(open.splice(0).map((bus) => bus.close()));
    });

    test('a published event reaches its subscriber with every envelope field intact', async () => {
      const bus = await connect();
      const received = recorder();
      await bus.subscribe('order.order-confirmed', 'round-trip', received.handler, FAST);
      const cause = confirmed();
      const event = createEnvelope(
        'order.order-confirmed',
        { orderId: 'ord_1', reservationId: 'res_1' },
        { causedBy: cause, idempotencyKey: 'order:ord_1:confirmed' },
      );
      assert.deepEqual(await bus.publish(event), { duplicate: false });
      await waitFor(() => received.seen.length === 1);
      assert.deepEqual(received.seen[0]!.envelope, event);
      assert.equal(received.seen[0]!.envelope.correlationId, cause.correlationId);
      assert.equal(received.seen[0]!.envelope.causationId, cause.id);
      assert.deepEqual(received.seen[0]!.context, { consumer: 'round-trip', deliveryCount: 1, replay: false });
    });

    test('a consumer of topics in two domains receives each of them and no other topic', async () => {
      const bus = await connect();
      const received = recorder<'order.order-confirmed' | 'inventory.stock-reserved'>();
      await bus.subscribe(['order.order-confirmed', 'inventory.stock-reserved'], 'two-domains', received.handler, FAST);
      const reserved = createEnvelope(
        'inventory.stock-reserved',
        { reservationId: 'res_2', orderId: 'ord_2', locationId: 'loc_1', lines: [{ sku: 'SKU-1', quantity: 2 }], expiresAt: new Date().toISOString() },
        { correlationId: 'req_2', idempotencyKey: 'reservation:res_2' },
      );
      const cancelled = createEnvelope(
        'order.order-cancelled',
        { orderId: 'ord_2', reason: 'CUSTOMER_REQUEST' },
        { correlationId: 'req_2', idempotencyKey: 'order:ord_2:cancelled' },
      );
      const order = confirmed();
      await bus.publish(reserved);
      await bus.publish(cancelled);
      await bus.publish(order);
      await waitFor(() => received.seen.length === 2);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(received.ids().sort(), [reserved.id, order.id].sort());
      const types = received.seen.map((entry) => entry.envelope.type).sort();
      assert.deepEqual(types, ['inventory.stock-reserved', 'order.order-confirmed']);
    });

    test('publishing the same envelope twice stores it once and delivers it once', async () => {
      const bus = await connect();
      const received = recorder();
      await bus.subscribe('order.order-confirmed', 'dedup', received.handler, FAST);
      const event = confirmed();
      assert.deepEqual(await bus.publish(event), { duplicate: false });
      assert.deepEqual(await bus.publish(event), { duplicate: true });
      const other = await connect();
      assert.deepEqual(await other.publish(event), { duplicate: true }, 'another process re-publishing is de-duplicated too');
      await waitFor(() => received.seen.length === 1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(received.ids(), [event.id]);
    });

    test('the idempotency helper applies a fact once, even when it is re-published under a new envelope id and retried after a failure', async () => {
      const bus = await connect();
      const processed = createProcessedEventModel(connection);
      const effects: string[] = [];
      let failures = 1;
      const inner = recorder(async (envelope) => {
        if (failures-- > 0) throw new Error('the database blinked');
        effects.push(envelope.idempotencyKey);
      });
      const delivered = recorder(idempotent(mongoProcessedEvents(processed), inner.handler));
      const consumer = `idempotent-${fixture.name}`;
      await bus.subscribe('order.order-confirmed', consumer, delivered.handler, FAST);
      const first = confirmed('ord_idem');
      const again = confirmed('ord_idem'); // the same fact recorded twice: a new envelope id, the same key
      assert.notEqual(first.id, again.id);
      await bus.publish(first);
      // Generous: a failed delivery, its release and the retry are several database round trips,
      // slow when the machine is busy; the assertions below are what matters.
      await waitFor(() => effects.length === 1, 30_000, 'the retried fact applied');
      await bus.publish(again);
      await waitFor(() => delivered.ids().includes(again.id), 30_000, 'the re-published fact delivered');
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(effects, [first.idempotencyKey]);
      // At least once: the failed delivery was retried (a busy machine may add one more delivery,
      // which the helper skips), and the re-published fact was delivered.
      const firstDeliveries = delivered.ids().filter((id) => id === first.id).length;
      assert.ok(firstDeliveries >= 2, `the failed delivery was retried (${firstDeliveries} deliveries)`);
      assert.ok(delivered.ids().includes(again.id), 'the re-published fact was delivered');
      assert.equal(inner.seen.length, 2, 'but the handler ran only for the first fact: once failing, once succeeding');
      const claim = await processed.findById(`${consumer}|order.order-confirmed:${first.idempotencyKey}`).lean();
      assert.equal(claim?.state, 'DONE');
    });

    test('events the handler does not handle are acknowledged without a claim; the ones it handles are claimed as usual', async () => {
      const bus = await connect();
      const processed = createProcessedEventModel(connection);
      const consumer = `idempotent-handles-${fixture.name}`;
      const skipped = confirmed();
      const wanted = confirmed();
      const inner = recorder(() => undefined);
      const delivered = recorder(idempotent(mongoProcessedEvents(processed), inner.handler, { handles: (envelope) => envelope.id === wanted.id }));
      await bus.subscribe('order.order-confirmed', consumer, delivered.handler, FAST);
      await bus.publish(skipped);
      await bus.publish(wanted);
      await waitFor(() => delivered.ids().includes(skipped.id) && delivered.ids().includes(wanted.id), 30_000, 'both delivered');
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(inner.ids(), [wanted.id], 'the handler ran for the wanted event only');
      assert.equal(delivered.ids().filter((id) => id === skipped.id).length, 1, 'the skipped event was acknowledged, not redelivered');
      const claims = await processed.find({ consumer }).lean();
      assert.deepEqual(
        claims.map((claim) => [claim._id, claim.state]),
        [[`${consumer}|order.order-confirmed:${wanted.idempotencyKey}`, 'DONE']],
        'only the handled event left a claim',
      );
    });

    test('a guarded event is handled unclaimed on its first delivery and recorded done in one write; its redelivery takes the claim and is skipped once done', async () => {
      const bus = await connect();
      const processed = createProcessedEventModel(connection);
      const store = mongoProcessedEvents(processed);
      const claimed: string[] = [];
      const counting = { ...store, claim: (consumer: string, key: string, leaseMs: number) => (claimed.push(key), store.claim(consumer, key, leaseMs)) };
      const consumer = `idempotent-guarded-${fixture.name}`;
      const guarded = confirmed();
      const failing = confirmed();
      let failures = 1;
      const inner = recorder((envelope) => {
        if (envelope.id === failing.id && failures-- > 0) throw new Error('the database blinked');
      });
      const delivered = recorder(idempotent(counting, inner.handler, { guarded: () => true }));
      await bus.subscribe('order.order-confirmed', consumer, delivered.handler, FAST);
      await bus.publish(guarded);
      await bus.publish(failing);
      await waitFor(() => inner.ids().filter((id) => id === failing.id).length === 2, 30_000, 'the failed guarded event retried');
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(inner.ids().filter((id) => id === guarded.id).length, 1, 'the guarded event ran once');
      assert.deepEqual(claimed, [`order.order-confirmed:${failing.idempotencyKey}`], 'only the redelivery took a claim');
      const records = await processed.find({ consumer }).sort({ _id: 1 }).lean();
      const expected = [guarded, failing]
        .map((event) => [`${consumer}|order.order-confirmed:${event.idempotencyKey}`, 'DONE', event.id])
        .sort(([a], [b]) => String(a).localeCompare(String(b)));
      assert.deepEqual(
        records.map((record) => [record._id, record.state, record.eventId]),
        expected,
        'both recorded done, with the event for traces',
      );
      // Done records are what a claim finds: a later redelivery of either is skipped without running the handler.
      assert.deepEqual(await store.claim(consumer, `order.order-confirmed:${guarded.idempotencyKey}`, 60_000), { outcome: 'done' });
    });

    busyClaimsContract(fixture.name, connect, () => connection);

    test('a handler that throws is redelivered after its backoff and acknowledged once it succeeds', async () => {
      const bus = await connect();
      const received = recorder((_envelope, context) => {
        if (context.deliveryCount < 3) throw new Error(`not yet (${context.deliveryCount})`);
      });
      await bus.subscribe('order.order-confirmed', 'retrying', received.handler, { ...FAST, maxDeliver: 5, backoffMs: [100, 200] });
      const started = Date.now();
      await bus.publish(confirmed());
      await waitFor(() => received.seen.length === 3);
      assert.ok(Date.now() - started >= 300, 'the backoff delays (100 ms, then 200 ms) were respected');
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.deepEqual(
        received.seen.map((entry) => entry.context.deliveryCount),
        [1, 2, 3],
      );
      assert.deepEqual(await bus.listDeadLetters(), []);
    });

    test('an event that keeps failing goes to the dead letters after maxDeliver deliveries, and a replay after the fix reaches only that consumer, once', async () => {
      const bus = await connect();
      let fixed = false;
      const failing = recorder(() => {
        if (!fixed) throw new TypeError('cannot read reservationId');
      });
      const bystander = recorder();
      await bus.subscribe('order.order-confirmed', 'poisoned', failing.handler, { ...FAST, maxDeliver: 3 });
      await bus.subscribe('order.order-confirmed', 'bystander', bystander.handler, FAST);
      const event = confirmed();
      await bus.publish(event);

      await waitFor(async () => (await bus.listDeadLetters()).length === 1);
      const [letter] = await bus.listDeadLetters();
      assert.equal(letter!.consumer, 'poisoned');
      assert.deepEqual(letter!.envelope, event);
      assert.equal(letter!.deliveries, 3);
      assert.deepEqual({ name: letter!.error.name, message: letter!.error.message }, { name: 'TypeError', message: 'cannot read reservationId' });
      assert.ok(!Number.isNaN(Date.parse(letter!.failedAt)));
      assert.ok(
        Date.parse(letter!.failedAt) - Date.parse(letter!.firstFailedAt) >= 2 * FAST.backoffMs[0] - 10,
        'the first failure is two backoffs before the last',
      );
      assert.deepEqual(await bus.listDeadLetters({ consumer: 'bystander' }), []);
      assert.deepEqual(
        failing.seen.map((entry) => entry.context.deliveryCount),
        [1, 2, 3],
      );

      fixed = true;
      await bus.replayDeadLetter(letter!.id);
      await waitFor(() => failing.seen.length === 4);
      assert.deepEqual(failing.seen[3]!.context, { consumer: 'poisoned', deliveryCount: 1, replay: true });
      assert.deepEqual(failing.seen[3]!.envelope, event);
      assert.deepEqual(await bus.listDeadLetters(), []);
      await assert.rejects(bus.replayDeadLetter(letter!.id), DeadLetterNotFoundError);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(failing.seen.length, 4);
      assert.deepEqual(bystander.ids(), [event.id], 'the bystander handled the event once and never saw the replay');
    });

    test('two processes in one durable consumer share its events and no event is handled twice', async () => {
      const [first, second] = [await connect(), await connect()];
      const slow = async () => new Promise<void>((resolve) => setTimeout(resolve, 20));
      const a = recorder(slow);
      const b = recorder(slow);
      await first.subscribe('order.order-confirmed', 'competing', a.handler, FAST);
      await second.subscribe('order.order-confirmed', 'competing', b.handler, FAST);
      const events = Array.from({ length: 30 }, () => confirmed());
      for (const event of events) await first.publish(event);
      await waitFor(() => a.seen.length + b.seen.length >= events.length);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const handled = [...a.ids(), ...b.ids()];
      assert.equal(handled.length, events.length, 'no event was handled twice');
      assert.deepEqual(new Set(handled), new Set(events.map((event) => event.id)));
      assert.ok(a.seen.length > 0 && b.seen.length > 0, `each member got a share (${a.seen.length} / ${b.seen.length})`);
    });

    test('a durable consumer resumes after a restart and receives what was published while it was down, and nothing twice', async () => {
      const before = Array.from({ length: 3 }, () => confirmed());
      const during = Array.from({ length: 3 }, () => confirmed());
      const firstRun = recorder();
      const process1 = await fixture.connect();
      await process1.subscribe('order.order-confirmed', 'resuming', firstRun.handler, FAST);
      for (const event of before) await process1.publish(event);
      await waitFor(() => firstRun.seen.length === 3);
      await process1.close();

      const publisher = await connect();
      for (const event of during) await publisher.publish(event);

      const secondRun = recorder();
      const process2 = await connect();
      await process2.subscribe('order.order-confirmed', 'resuming', secondRun.handler, FAST);
      await waitFor(() => secondRun.seen.length === 3);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(
        secondRun.ids(),
        during.map((event) => event.id),
      );
    });

    test('a consumer created after events were published receives them from the first one', async () => {
      const bus = await connect();
      const events = [confirmed(), confirmed()];
      for (const event of events) await bus.publish(event);
      const late = recorder();
      await bus.subscribe('order.order-confirmed', 'late-joiner', late.handler, FAST);
      await waitFor(() => late.seen.length === 2);
      assert.deepEqual(
        late.ids(),
        events.map((event) => event.id),
      );
    });

    test('at the default concurrency a member handles one event at a time, in order', async () => {
      const bus = await connect();
      const gauge = overlapGauge();
      const received = recorder(gauge.hold(40));
      await bus.subscribe('order.order-confirmed', 'one-at-a-time', received.handler, FAST);
      const events = Array.from({ length: 5 }, (_, index) => confirmed(`ord_${index % 2}`));
      for (const event of events) await bus.publish(event);
      await waitFor(() => received.seen.length === events.length);
      assert.equal(gauge.maxActive, 1);
      assert.deepEqual(
        received.ids(),
        events.map((event) => event.id),
      );
    });

    test('with concurrency, events of one partition key are handled strictly in order, one at a time, while different keys overlap', async () => {
      const bus = await connect();
      const gauge = overlapGauge();
      const received = recorder<'order.order-confirmed'>(gauge.hold(60));
      await bus.subscribe('order.order-confirmed', 'keyed', received.handler, { ...FAST, concurrency: 8, partitionKey: (envelope) => envelope.data.orderId });
      const keys = ['ord_a', 'ord_b', 'ord_c'];
      const events = Array.from({ length: 12 }, (_, index) => confirmed(keys[index % keys.length]));
      for (const event of events) await bus.publish(event);
      await waitFor(() => gauge.finished.length === events.length);
      for (const key of keys) {
        const published = events.filter((event) => event.data.orderId === key).map((event) => event.id);
        assert.deepEqual(
          received.seen.filter((entry) => entry.envelope.data.orderId === key).map((entry) => entry.envelope.id),
          published,
          `${key} started in publish order`,
        );
        assert.deepEqual(
          gauge.finished.filter((entry) => entry.key === key).map((entry) => entry.id),
          published,
          `${key} finished in publish order`,
        );
        assert.equal(gauge.maxActiveOf(key), 1, `${key} never had two events in flight`);
      }
      assert.ok(gauge.maxActive >= 2, `different keys overlapped (at most ${gauge.maxActive} at once)`);
      assert.ok(gauge.maxActive <= keys.length);
    });

    test('with concurrency, each event is retried, acknowledged or dead-lettered on its own exactly as at concurrency 1', async () => {
      const bus = await connect();
      const poisoned = confirmed('ord_poison');
      const flaky = confirmed('ord_flaky');
      const healthy = Array.from({ length: 6 }, (_, index) => confirmed(`ord_ok_${index}`));
      const received = recorder((envelope, context) => {
        if (envelope.id === poisoned.id) throw new TypeError('cannot read reservationId');
        if (envelope.id === flaky.id && context.deliveryCount < 2) throw new Error('the database blinked');
      });
      await bus.subscribe('order.order-confirmed', 'keyed-failures', received.handler, {
        ...FAST,
        maxDeliver: 3,
        concurrency: 4,
        partitionKey: (envelope) => envelope.data.orderId,
      });
      for (const event of [poisoned, flaky, ...healthy]) await bus.publish(event);

      await waitFor(async () => (await bus.listDeadLetters()).length === 1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const deliveriesOf = (id: string) => received.seen.filter((entry) => entry.envelope.id === id).map((entry) => entry.context.deliveryCount);
      assert.deepEqual(deliveriesOf(poisoned.id), [1, 2, 3]);
      assert.deepEqual(deliveriesOf(flaky.id), [1, 2]);
      for (const event of healthy) assert.deepEqual(deliveriesOf(event.id), [1], 'a healthy event was handled once');
      const [letter] = await bus.listDeadLetters();
      assert.deepEqual(
        { consumer: letter!.consumer, id: letter!.envelope.id, deliveries: letter!.deliveries, error: letter!.error.name },
        { consumer: 'keyed-failures', id: poisoned.id, deliveries: 3, error: 'TypeError' },
      );
    });

    test('with concurrency, stop() resolves only once every handler in flight has settled, and what they handled is not delivered again', async () => {
      const bus = await connect();
      const releases: (() => void)[] = [];
      const finished: string[] = [];
      const received = recorder(async (envelope) => {
        await new Promise<void>((resolve) => releases.push(resolve));
        finished.push(envelope.id);
      });
      const options = { ...FAST, ackWaitMs: 1000, concurrency: 4, partitionKey: (envelope: AnyEnvelope<'order.order-confirmed'>) => envelope.data.orderId };
      const subscription = await bus.subscribe('order.order-confirmed', 'stopping-keyed', received.handler, options);
      const events = Array.from({ length: 4 }, () => confirmed());
      for (const event of events) await bus.publish(event);
      await waitFor(() => releases.length === events.length, 10_000, 'four handlers in flight at once');

      let stopped = false;
      const stopping = subscription.stop().then(() => {
        stopped = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(stopped, false, 'stop() waits while handlers run');
      releases.splice(0, 3).forEach((release) => release());
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(stopped, false, 'stop() waits for the last one too');
      releases.splice(0).forEach((release) => release());
      await stopping;
      assert.deepEqual(new Set(finished), new Set(events.map((event) => event.id)));

      const again = recorder();
      await bus.subscribe('order.order-confirmed', 'stopping-keyed', again.handler, options);
      const later = confirmed();
      await bus.publish(later);
      await waitFor(() => again.seen.length >= 1);
      await new Promise((resolve) => setTimeout(resolve, 1500)); // beyond ack wait: an unacknowledged event would be back
      assert.deepEqual(again.ids(), [later.id]);
    });

    test('an observed bus reports publishes, acknowledged, retried and dead-lettered handling, and a replay with its waiting time', async () => {
      const reports: string[] = [];
      const observer: BusObserver = {
        published: (topic, outcome) => reports.push(`published ${topic} ${outcome}`),
        handled: ({ consumer, envelope, outcome, seconds }) => {
          assert.ok(seconds >= 0);
          reports.push(`handled ${consumer} ${envelope.type} ${outcome}`);
        },
        replayed: ({ consumer, topic, seconds }) => {
          assert.ok(seconds >= 0);
          reports.push(`replayed ${consumer} ${topic}`);
        },
      };
      const bus = observeBus(await connect(), observer);
      let failing = true;
      await bus.subscribe(
        'order.order-confirmed',
        'observed',
        () => {
          if (failing) throw new Error('poison');
        },
        { ...FAST, maxDeliver: 2 },
      );
      const event = confirmed();
      await bus.publish(event);
      await bus.publish(event);
      await waitFor(async () => (await bus.listDeadLetters({ consumer: 'observed' })).length === 1, 10_000, 'the dead letter');
      failing = false;
      await bus.replayDeadLetter((await bus.listDeadLetters({ consumer: 'observed' }))[0]!.id);
      await waitFor(() => reports.includes('handled observed order.order-confirmed ack'), 10_000, 'the replayed handling');
      // Publishing and handling run side by side: the reports are compared as a set.
      assert.deepEqual(reports.sort(), [
        'handled observed order.order-confirmed ack',
        'handled observed order.order-confirmed dead-letter',
        'handled observed order.order-confirmed retry',
        'published order.order-confirmed accepted',
        'published order.order-confirmed duplicate',
        'replayed observed order.order-confirmed',
      ]);
    });

    test('consumerBacklog counts the events a stopped durable consumer has not handled, per domain, and zero once it caught up', async () => {
      const bus = await connect();
      const received = recorder();
      const subscription = await bus.subscribe(['order.order-confirmed', 'inventory.stock-reserved'], 'backlog', received.handler, FAST);
      await bus.publish(confirmed());
      await waitFor(() => received.seen.length === 1);
      await waitFor(async () => (await bus.consumerBacklog()).every((entry) => entry.pending === 0), 10_000, 'an empty backlog');
      await subscription.stop();
      for (let index = 0; index < 3; index++) await bus.publish(confirmed());
      const backlog = await bus.consumerBacklog();
      assert.deepEqual(
        backlog.filter((entry) => entry.consumer === 'backlog').sort((a, b) => a.domain.localeCompare(b.domain)),
        [
          { consumer: 'backlog', domain: 'inventory', pending: 0 },
          { consumer: 'backlog', domain: 'order', pending: 3 },
        ],
      );
    });

    test('an invalid consumer name, an unknown topic, a bad option or a malformed envelope is refused', async () => {
      const bus = await connect();
      const noop = () => {};
      await assert.rejects(bus.subscribe('order.order-confirmed', 'has.dot', noop), RangeError);
      await assert.rejects(bus.subscribe('order.nope' as Topic, 'fine', noop), RangeError);
      await assert.rejects(bus.subscribe('order.order-confirmed', 'fine', noop, { maxDeliver: 0 }), RangeError);
      await assert.rejects(bus.subscribe('order.order-confirmed', 'fine', noop, { concurrency: 0 }), RangeError);
      await assert.rejects(bus.subscribe('order.order-confirmed', 'fine', noop, { concurrency: 2.5 }), RangeError);
      await assert.rejects(bus.publish({ ...confirmed(), type: 'order.nope' } as unknown as EnvelopeOf<Topic>), RangeError);
      await assert.rejects(bus.publish({ ...confirmed(), correlationId: '' }), InvalidEnvelopeError);
    });
  });
}
