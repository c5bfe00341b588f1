import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Connection, Model } from 'mongoose';
import {
  createProcessedEventModel,
  idempotent,
  mongoProcessedEvents,
  type AnyEnvelope,
  type ClaimResult,
  type DeliveryContext,
  type EventBus,
  type EventHandler,
  type ProcessedEventRecord,
  type ProcessedEventStore,
} from '../../src/index.js';
import { confirmed } from './bus-contract.js';
import { waitFor } from './wait.js';

/** Counts what a store's claims answered, so a test can wait for a delivery to be in a state. */
function countingClaims(store: ProcessedEventStore) {
  const answered: ClaimResult['outcome'][] = [];
  return {
    answered,
    count: (outcome: ClaimResult['outcome']) => answered.filter((entry) => entry === outcome).length,
    store: {
      ...store,
      async claim(consumer: string, key: string, leaseMs: number) {
        const result = await store.claim(consumer, key, leaseMs);
        answered.push(result.outcome);
        return result;
      },
    } satisfies ProcessedEventStore,
  };
}

/** The same model, except that every deleteOne fails, as when the database is unreachable for a while. */
function withFailingDeletes(model: Model<ProcessedEventRecord>): Model<ProcessedEventRecord> {
  return new Proxy(model, {
    get(target, property) {
      if (property === 'deleteOne') return () => Promise.reject(new Error('the database blinked'));
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** A handler and what reached it: `runs` are the handler's own runs, `settled` the deliveries that ended. */
function probe(behaviour: (run: number) => void = () => {}) {
  const runs: DeliveryContext[] = [];
  const settled: DeliveryContext[] = [];
  return {
    runs,
    settled,
    inner: async (_envelope: AnyEnvelope<'order.order-confirmed'>, context: DeliveryContext) => {
      runs.push(context);
      behaviour(runs.length);
    },
    outer: (handler: EventHandler<'order.order-confirmed'>) => async (envelope: AnyEnvelope<'order.order-confirmed'>, context: DeliveryContext) => {
      await handler(envelope, context);
      settled.push(context);
    },
  };
}

/**
 * What happens when a delivery finds its fact claimed by another one (another process, a crashed
 * one, or its own earlier attempt whose release was lost): it waits without spending its delivery
 * budget, is never dead-lettered for it, and runs or skips promptly once the claim settles. Part of
 * the bus contract, so it runs against every adapter.
 */
export function busyClaimsContract(name: string, connect: () => Promise<EventBus>, connection: () => Connection): void {
  const FAST = { backoffMs: [50], ackWaitMs: 5000 } as const;
  const setUp = async (consumerPrefix: string) => {
    const model = createProcessedEventModel(connection());
    await model.init();
    const event = confirmed();
    return { model, event, consumer: `${consumerPrefix}-${name}`, key: `${event.type}:${event.idempotencyKey}` };
  };

  test('a delivery that finds its fact claimed by another process waits without spending deliveries, and runs once that one releases it', async () => {
    const { model, event, consumer, key } = await setUp('busy-release');
    const otherProcess = mongoProcessedEvents(model);
    const held = await otherProcess.claim(consumer, key, 60_000);
    assert.equal(held.outcome, 'claimed');
    const claims = countingClaims(mongoProcessedEvents(model));
    const handled = probe();
    const bus = await connect();
    await bus.subscribe('order.order-confirmed', consumer, handled.outer(idempotent(claims.store, handled.inner)), { ...FAST, maxDeliver: 2 });
    await bus.publish(event);
    await waitFor(() => claims.count('busy') >= 5, 15_000, 'the delivery asking again more often than maxDeliver');
    assert.equal(handled.runs.length, 0, 'the handler waits while the other process holds the fact');
    assert.deepEqual(await bus.listDeadLetters(), [], 'being busy is not a failure');
    if (held.outcome === 'claimed') await otherProcess.release(consumer, key, held.token);
    // Well inside the 60 s lease: the release, not the lease, let it run.
    await waitFor(() => handled.settled.length === 1, 15_000, 'the fact handled after the release');
    assert.deepEqual(
      handled.runs.map((context) => context.deliveryCount),
      [1],
      'it ran once, in its first delivery',
    );
    assert.deepEqual(await bus.listDeadLetters(), []);
  });

  test('a delivery waiting on a fact that the other delivery completes acknowledges it without running the handler', async () => {
    const { model, event, consumer, key } = await setUp('busy-complete');
    const otherProcess = mongoProcessedEvents(model);
    const held = await otherProcess.claim(consumer, key, 60_000);
    const claims = countingClaims(mongoProcessedEvents(model));
    const handled = probe();
    const bus = await connect();
    await bus.subscribe('order.order-confirmed', consumer, handled.outer(idempotent(claims.store, handled.inner)), { ...FAST, maxDeliver: 1 });
    await bus.publish(event);
    await waitFor(() => claims.count('busy') >= 3, 15_000, 'the delivery waiting on the other one');
    if (held.outcome === 'claimed') await otherProcess.complete(consumer, key, held.token);
    await waitFor(() => handled.settled.length === 1, 15_000, 'the delivery settled after the other one completed');
    assert.equal(handled.runs.length, 0, 'the fact was handled by the other delivery, so not again');
    assert.equal(handled.settled[0]!.deliveryCount, 1);
    assert.equal(claims.answered.at(-1), 'done');
    assert.deepEqual(await bus.listDeadLetters(), []);
  });

  test('a claim whose holder crashed is taken over once its lease expires, in the same delivery', async () => {
    const { model, event, consumer, key } = await setUp('busy-crashed');
    const crashed = mongoProcessedEvents(model);
    assert.equal((await crashed.claim(consumer, key, 600)).outcome, 'claimed'); // never released: the holder died
    const claims = countingClaims(mongoProcessedEvents(model));
    const handled = probe();
    const bus = await connect();
    await bus.subscribe('order.order-confirmed', consumer, handled.outer(idempotent(claims.store, handled.inner)), { ...FAST, maxDeliver: 1 });
    await bus.publish(event);
    await waitFor(() => handled.settled.length === 1, 15_000, 'the fact handled after the lease');
    assert.ok(claims.count('busy') >= 1, 'it found the claim held first');
    assert.deepEqual(
      handled.runs.map((context) => context.deliveryCount),
      [1],
    );
    assert.deepEqual(await bus.listDeadLetters(), []);
  });

  test('a claim whose release could not be written is taken over at once by the next delivery of the same process', async () => {
    const { model, event, consumer } = await setUp('release-lost');
    const claims = countingClaims(mongoProcessedEvents(withFailingDeletes(model)));
    const handled = probe((run) => {
      if (run === 1) throw new Error('the handler failed once');
    });
    const bus = await connect();
    await bus.subscribe('order.order-confirmed', consumer, handled.outer(idempotent(claims.store, handled.inner)), { ...FAST, maxDeliver: 3 });
    await bus.publish(event);
    // The lease is 60 s: handled within 15 s means the abandoned claim was taken over, not waited out.
    await waitFor(() => handled.settled.length === 1, 15_000, 'the retried fact handled');
    assert.deepEqual(
      handled.runs.map((context) => context.deliveryCount),
      [1, 2],
      'failed once, then ran in the retry',
    );
    assert.deepEqual(claims.answered, ['claimed', 'claimed']);
    assert.deepEqual(await bus.listDeadLetters(), []);
  });

  test('a delivery that waits longer than its ack wait is kept by the bus, not delivered again', async () => {
    const { model, event, consumer, key } = await setUp('busy-long');
    const otherProcess = mongoProcessedEvents(model);
    const held = await otherProcess.claim(consumer, key, 60_000);
    const claims = countingClaims(mongoProcessedEvents(model));
    const handled = probe();
    const bus = await connect();
    await bus.subscribe('order.order-confirmed', consumer, handled.outer(idempotent(claims.store, handled.inner)), { ...FAST, ackWaitMs: 1000, maxDeliver: 2 });
    await bus.publish(event);
    await waitFor(() => claims.count('busy') >= 1, 15_000, 'the delivery waiting');
    await new Promise((resolve) => setTimeout(resolve, 2500)); // two and a half ack waits
    if (held.outcome === 'claimed') await otherProcess.release(consumer, key, held.token);
    await waitFor(() => handled.settled.length === 1, 15_000, 'the fact handled after the release');
    // A redelivery would have come one ack wait after the last sign of progress: wait out two.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    assert.deepEqual(
      handled.settled.map((context) => context.deliveryCount),
      [1],
      'one delivery, kept alive while it waited',
    );
    assert.deepEqual(
      handled.runs.map((context) => context.deliveryCount),
      [1],
    );
    assert.deepEqual(await bus.listDeadLetters(), []);
  });

  test('stopping a subscription while its delivery waits hands the event to the next member, not to the dead letters', async () => {
    const { model, event, consumer, key } = await setUp('busy-stop');
    const otherProcess = mongoProcessedEvents(model);
    const held = await otherProcess.claim(consumer, key, 60_000);
    const first = countingClaims(mongoProcessedEvents(model));
    const bus = await connect();
    const leaving = await bus.subscribe(
      'order.order-confirmed',
      consumer,
      idempotent(first.store, () => assert.fail('the leaving member never runs it')),
      { ...FAST, maxDeliver: 3 },
    );
    await bus.publish(event);
    await waitFor(() => first.count('busy') >= 2, 15_000, 'the first member waiting');
    const stopped = Date.now();
    await leaving.stop();
    assert.ok(Date.now() - stopped < 10_000, 'stop() does not wait for the 60 s lease');
    const handled = probe();
    const next = await connect();
    await next.subscribe('order.order-confirmed', consumer, handled.outer(idempotent(mongoProcessedEvents(model), handled.inner)), { ...FAST, maxDeliver: 3 });
    if (held.outcome === 'claimed') await otherProcess.release(consumer, key, held.token);
    await waitFor(() => handled.settled.length === 1, 15_000, 'the next member handling the fact');
    assert.equal(handled.runs.length, 1);
    assert.deepEqual(await next.listDeadLetters(), []);
  });
}
