import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { connectJetStreamBus, streamNameOf, type EventBus } from '../src/index.js';
import { serverTakesFilterLists } from '../src/jetstream-bus.js';
import { busContract, confirmed, recorder } from './support/bus-contract.js';
import { natsServerBinary, startNatsServer, type TestNatsServer } from '@mesh/mesh-runner';
import { waitFor } from './support/wait.js';

let server: TestNatsServer | undefined;
const url = () => server!.url;

test('a nats-server binary is available to the JetStream suite', () => {
  natsServerBinary(); // throws the remedy when missing, so that a machine without it fails here by name
});

async function deleteAllStreams(): Promise<void> {
  const nc = await connect({ servers: url() });
  const jsm = await jetstreamManager(nc);
  for await (const name of jsm.streams.names()) await jsm.streams.delete(name);
  await nc.close();
}

busContract({
  name: 'jetstream',
  async setup() {
    server = await startNatsServer();
  },
  reset: deleteAllStreams,
  connect: () => connectJetStreamBus({ servers: url(), name: 'contract' }),
  async dispose() {
    await server?.stop();
    server = undefined;
  },
});

describe('the JetStream adapter beyond the contract', () => {
  const open: EventBus[] = [];
  const connectBus = async (fetchBatch?: number) => {
    const bus = await connectJetStreamBus({ servers: url(), name: 'specifics', ...(fetchBatch ? { fetchBatch } : {}) });
    open.push(bus);
    return bus;
  };
  const releases: (() => void)[] = [];
  const hang = () => new Promise<void>((resolve) => releases.push(resolve));

  before(async () => {
    server = await startNatsServer();
  });
  after(async () => {
    await server?.stop();
  });
  beforeEach(deleteAllStreams);
  afterEach(async () => {
    releases.splice(0).forEach((release) => release());
    await Promise.all(open.splice(0).map((bus) => bus.close()));
  });

  test('events and consumer positions survive a nats-server restart, and the bus reconnects by itself', async () => {
    const bus = await connectBus();
    const received = recorder();
    await bus.subscribe('order.order-confirmed', 'outlives-restart', received.handler, { ackWaitMs: 5000 });
    const before = [confirmed(), confirmed()];
    for (const event of before) await bus.publish(event);
    await waitFor(() => received.seen.length === 2);

    await server!.kill();
    await server!.restart();
    const afterRestart = [confirmed(), confirmed()];
    await waitFor(
      async () => {
        try {
          await bus.publish(afterRestart[0]!);
          return true;
        } catch {
          return false; // still reconnecting
        }
      },
      15_000,
      'a publish to succeed after the restart',
    );
    await bus.publish(afterRestart[1]!);
    await waitFor(() => received.seen.length === 4, 15_000, 'the events published after the restart');
    // A marker published last: the consumer takes the stream in order, one event at a time, so once
    // it has the marker it delivered everything before it, and a position lost in the restart
    // (events delivered again from the start) would show before the marker.
    const marker = confirmed();
    await bus.publish(marker);
    await waitFor(() => received.seen.some((entry) => entry.envelope.id === marker.id), 20_000, 'the marker');
    assert.deepEqual(
      received.ids(),
      [...before, ...afterRestart, marker].map((event) => event.id),
    );
  });

  test('an exclusive consumer hands out one event at a time across all its members, in stream order', async () => {
    // Two members, as two replicas of a service would be; each handler takes a little while, so
    // without exclusivity the members would overlap.
    const members = [await connectBus(), await connectBus()];
    let running = 0;
    let most = 0;
    const handled: string[] = [];
    const work = async (envelope: { id: string }) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 15));
      handled.push(envelope.id);
      running -= 1;
    };
    for (const member of members) await member.subscribe('order.order-confirmed', 'exclusive', work, { exclusive: true, ackWaitMs: 5000 });
    const events = Array.from({ length: 20 }, () => confirmed());
    for (const event of events) await members[0]!.publish(event);
    await waitFor(() => handled.length === events.length, 30_000, 'every event handled');
    assert.equal(most, 1, 'never two events at once');
    assert.deepEqual(
      handled,
      events.map((event) => event.id),
    );
  });

  test('one pull hands a member up to fetchBatch events, which it handles one at a time in stream order', async () => {
    const bus = await connectBus(8);
    let releaseFirst!: () => void;
    const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
    const handled = recorder(async (_envelope, context) => {
      if (handled.seen.length === 1 && context.deliveryCount === 1) await firstHeld;
    });
    await bus.subscribe('order.order-confirmed', 'batched', handled.handler, { ackWaitMs: 30_000 });
    const events = Array.from({ length: 20 }, () => confirmed());
    for (const event of events) await bus.publish(event);
    const nc = await connect({ servers: url() });
    try {
      const jsm = await jetstreamManager(nc);
      // The first event's handler holds; the pull that brought it brought seven more, which wait their turn.
      await waitFor(async () => (await jsm.consumers.info(streamNameOf('order'), 'batched')).num_ack_pending === 8, 10_000, 'eight events delivered');
      assert.equal(handled.seen.length, 1, 'one at a time: the others wait for the first');
    } finally {
      await nc.close();
    }
    releaseFirst();
    await waitFor(() => handled.seen.length === events.length, 15_000, 'every event handled');
    assert.deepEqual(
      handled.ids(),
      events.map((event) => event.id),
      'stream order, each once',
    );
  });

  test("a stuck member gives the events it pulled back to the consumer's other members, well before their ack wait", async () => {
    const [stuckMember, healthyMember] = [await connectBus(8), await connectBus(8)];
    const stuck = recorder(hang);
    const healthy = recorder();
    // Ack wait 8 s: a member whose only lane is held for half of it (4 s) is stuck.
    await stuckMember.subscribe('order.order-confirmed', 'stuck-member', stuck.handler, { ackWaitMs: 8000 });
    const events = Array.from({ length: 10 }, () => confirmed());
    for (const event of events) await stuckMember.publish(event);
    await waitFor(() => stuck.seen.length === 1);
    const heldSince = Date.now();
    await healthyMember.subscribe('order.order-confirmed', 'stuck-member', healthy.handler, { ackWaitMs: 8000 });
    const others = new Set(events.map((event) => event.id).filter((id) => id !== stuck.seen[0]!.envelope.id));
    await waitFor(() => [...others].every((id) => healthy.ids().includes(id)), 20_000, 'the nine others handled by the healthy member');
    assert.ok(Date.now() - heldSince < 7500, `the pulled events came back after ${Date.now() - heldSince} ms: before the 8 s ack wait`);
    await waitFor(() => healthy.ids().includes(stuck.seen[0]!.envelope.id), 30_000, 'the held event, after its ack wait');
    assert.equal(stuck.seen.length, 1, 'the stuck member ran no other event');
  });

  test('an event whose handler outlives ack wait is redelivered to another member of the consumer', async () => {
    const [first, second] = [await connectBus(), await connectBus()];
    const stuck = recorder(hang);
    const healthy = recorder();
    await first.subscribe('order.order-confirmed', 'ack-wait', stuck.handler, { ackWaitMs: 1000 });
    const event = confirmed();
    await first.publish(event);
    await waitFor(() => stuck.seen.length === 1);
    await second.subscribe('order.order-confirmed', 'ack-wait', healthy.handler, { ackWaitMs: 1000 });
    // Patience only: ack wait is 1 s; a loaded machine may take several more to redeliver.
    await waitFor(() => healthy.seen.length === 1, 20_000, 'the redelivery');
    // The redelivery may first reach the stuck member's open pull, which gives it back (one more delivery).
    assert.ok(healthy.seen[0]!.context.deliveryCount >= 2, `delivery ${healthy.seen[0]!.context.deliveryCount}`);
    assert.equal(healthy.seen[0]!.context.replay, false);
    assert.equal(healthy.seen[0]!.envelope.id, event.id);
  });

  test('an event whose last delivery never settled is dead-lettered on the spare delivery, without running the handler again', async () => {
    const [first, second] = [await connectBus(), await connectBus()];
    const stuck = recorder(hang);
    const healthy = recorder();
    await first.subscribe('order.order-confirmed', 'never-settled', stuck.handler, { ackWaitMs: 1000, maxDeliver: 1 });
    const event = confirmed();
    await first.publish(event);
    await waitFor(() => stuck.seen.length === 1);
    await second.subscribe('order.order-confirmed', 'never-settled', healthy.handler, { ackWaitMs: 1000, maxDeliver: 1 });
    await waitFor(async () => (await second.listDeadLetters()).length === 1, 20_000, 'the dead letter');
    const [letter] = await second.listDeadLetters();
    assert.equal(letter!.error.name, 'DeliveryNotSettled');
    assert.equal(letter!.deliveries, 1);
    assert.deepEqual(letter!.envelope, event);
    assert.equal(healthy.seen.length, 0);
  });

  test('subscribing a durable again with new options updates it on the server', async () => {
    const bus = await connectBus();
    const subscription = await bus.subscribe('order.order-confirmed', 'reconfigured', () => {}, { maxDeliver: 3, ackWaitMs: 2000 });
    await subscription.stop();
    await bus.subscribe('order.order-confirmed', 'reconfigured', () => {}, { maxDeliver: 7, ackWaitMs: 4000 });
    const nc = await connect({ servers: url() });
    const info = await (await jetstreamManager(nc)).consumers.info(streamNameOf('order'), 'reconfigured');
    await nc.close();
    assert.equal(info.config.max_deliver, 8, 'maxDeliver plus the spare delivery');
    assert.equal(info.config.ack_wait, 4000 * 1_000_000);
  });

  test('a durable is sent only its own topics by a server that takes filter lists (2.10 on); an older one sends the whole domain, skipped', async () => {
    const bus = await connectBus();
    await bus.subscribe('order.order-placed', 'placements-only', () => {});
    await bus.publish(confirmed()); // same domain stream, another topic
    const nc = await connect({ servers: url() });
    const filtersTopics = serverTakesFilterLists(nc.info?.version);
    const jsm = await jetstreamManager(nc);
    const delivered = async () => (await jsm.consumers.info(streamNameOf('order'), 'placements-only')).delivered.consumer_seq;
    try {
      if (filtersTopics) {
        await waitFor(async () => (await jsm.streams.info(streamNameOf('order'))).state.messages === 1);
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.equal(await delivered(), 0, `nats-server ${nc.info?.version} filtered the other topic out`);
      } else {
        await waitFor(async () => (await delivered()) === 1, 5000, 'the other topic delivered and skipped');
      }
    } finally {
      await nc.close();
    }
  });

  test("a bus's default retries apply to every subscription that sets none, and a subscription's own win", async () => {
    const bus = await connectJetStreamBus({ servers: url(), name: 'defaults', defaultDelivery: { maxDeliver: 2, backoffMs: [50] } });
    open.push(bus);
    const failing = recorder(() => {
      throw new Error('poison');
    });
    await bus.subscribe('order.order-confirmed', 'bus-defaults', failing.handler);
    await bus.subscribe('order.order-confirmed', 'own-options', () => {}, { maxDeliver: 6 });
    const event = confirmed();
    await bus.publish(event);
    await waitFor(async () => (await bus.listDeadLetters()).length === 1, 20_000, 'the dead letter after two deliveries');
    const [letter] = await bus.listDeadLetters();
    assert.deepEqual([letter!.consumer, letter!.deliveries, failing.seen.length], ['bus-defaults', 2, 2]);
    const nc = await connect({ servers: url() });
    const jsm = await jetstreamManager(nc);
    const [defaults, own] = await Promise.all([
      jsm.consumers.info(streamNameOf('order'), 'bus-defaults'),
      jsm.consumers.info(streamNameOf('order'), 'own-options'),
    ]);
    await nc.close();
    assert.deepEqual([defaults.config.max_deliver, own.config.max_deliver], [3, 7], 'maxDeliver plus the spare delivery');
  });

  test('without a nats-server the suite fails with a message that names the remedy', () => {
    const configured = process.env['NATS_SERVER_BIN'];
    delete process.env['NATS_SERVER_BIN'];
    try {
      assert.throws(() => natsServerBinary(['/nonexistent/nats-server']), /nats-server is not installed.*apt-get install -y nats-server/);
    } finally {
      if (configured !== undefined) process.env['NATS_SERVER_BIN'] = configured;
    }
  });
});
