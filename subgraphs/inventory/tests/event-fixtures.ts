import { randomUUID } from 'node:crypto';
import { connectJetStreamBus, createEnvelope, openConsumerProbe, type AnyEnvelope, type ConsumerProbe, type EventBus, type Topic } from '@mesh/events';
import { startNatsServer } from '@mesh/mesh-runner';
import { startTestDatabase, startTestSubgraph, type TestSubgraph } from '@mesh/test-kit';
import type { Connection } from 'mongoose';
import { createInventoryModels, createInventorySubgraph, type InventoryModels } from '../src/module.js';
import type { InventorySettings } from '../src/settings.js';
import { ORDER_EVENTS_CONSUMER } from '../src/events/order-events.consumer.js';

/** Test helpers for the event suites (not a test file itself). */

/** Polls `condition` every 25 ms until it holds; fails after `timeoutMs` with `what`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const INVENTORY_TOPICS = [
  'inventory.stock-movement-recorded',
  'inventory.availability-changed',
  'inventory.stock-reserved',
  'inventory.stock-reservation-rejected',
  'inventory.reservation-released',
  'inventory.reservation-committed',
] as const satisfies readonly Topic[];

/** Everything inventory publishes on the real bus, as another domain would receive it. */
export interface EventWatcher {
  readonly bus: EventBus;
  readonly seen: AnyEnvelope[];
  /** How far inventory's own consumers are behind (see untilOrderEventsHandled). */
  readonly probe: ConsumerProbe;
  of<T extends Topic>(type: T, match?: (envelope: Extract<AnyEnvelope, { type: T }>) => boolean): Extract<AnyEnvelope, { type: T }>[];
  close(): Promise<void>;
}

export async function watchInventoryEvents(natsUrl: string): Promise<EventWatcher> {
  const bus = await connectJetStreamBus({ servers: natsUrl, name: 'inventory-test-watcher', fetchBatch: 50 });
  const seen: AnyEnvelope[] = [];
  await bus.subscribe(INVENTORY_TOPICS, 'inventory-test-watcher', (envelope) => {
    seen.push(envelope);
  });
  const probe = await openConsumerProbe(natsUrl);
  return {
    bus,
    seen,
    probe,
    of: (type, match = () => true) => seen.filter((envelope): envelope is never => envelope.type === type && match(envelope as never)),
    close: async () => {
      await probe.close();
      await bus.close();
    },
  };
}

/**
 * Resolves once inventory's order-events consumer has settled every order event published so far
 * (`orderId` names the order waited for, in the message): its durable consumer has nothing left to
 * deliver and nothing unacknowledged. Events it skips leave no claim, so the consumer's own
 * position is what tells.
 */
export async function untilOrderEventsHandled(watcher: EventWatcher, _connection: Connection, orderId: string): Promise<void> {
  await waitFor(async () => (await watcher.probe.backlog(ORDER_EVENTS_CONSUMER, 'order')) === 0, `the consumer to settle the events about ${orderId}`);
}

/**
 * Resolves once the watcher has received every event inventory recorded so far, for checks that
 * nothing more was published (which a fixed pause proves only on a quiet machine): first the relay
 * has published every queued level change and reservation event (it removes them only once the
 * bus accepted them), then a marker published after that reaches the watcher, whose consumer takes the stream
 * in order, one event at a time. The marker, a reservation-committed of no real reservation, is
 * left out of `seen`.
 */
export async function untilAllReceived(watcher: EventWatcher, connection: Connection): Promise<void> {
  const queued = async () =>
    (await connection.collection('stock_levels').countDocuments({ 'changes.id': { $exists: true } })) +
    (await connection.collection('reservations').countDocuments({ 'pendingEvents.id': { $exists: true } }));
  await waitFor(async () => (await queued()) === 0, 'the relay to publish every recorded event');
  const id = `marker_${randomUUID()}`;
  const marker = createEnvelope(
    'inventory.reservation-committed',
    { reservationId: id, orderId: id, locationId: 'loc_marker', lines: [], movementIds: [] },
    { correlationId: id, idempotencyKey: id },
  );
  await watcher.bus.publish(marker);
  await waitFor(() => watcher.seen.some((envelope) => envelope.id === marker.id), 'the marker');
  watcher.seen.splice(
    watcher.seen.findIndex((envelope) => envelope.id === marker.id),
    1,
  );
}

/** The inventory subgraph on its own database and NATS server, with a watcher on what it publishes. */
export interface InventoryEventBed {
  readonly subgraph: TestSubgraph;
  readonly models: InventoryModels;
  readonly watcher: EventWatcher;
  close(): Promise<void>;
}

/** Starts an InventoryEventBed for one test file (`settings`: e.g. a fast relay for the events to flow soon). */
export async function startInventoryEventBed(settings: Partial<InventorySettings>): Promise<InventoryEventBed> {
  const [database, nats] = await Promise.all([startTestDatabase(), startNatsServer()]);
  const subgraph = await startTestSubgraph(createInventorySubgraph(settings), { mongoUri: database.uri, natsUrl: nats.url });
  const watcher = await watchInventoryEvents(nats.url);
  return {
    subgraph,
    models: createInventoryModels(subgraph.connection),
    watcher,
    async close() {
      await watcher.close();
      await subgraph.close();
      await Promise.all([database.stop(), nats.stop()]);
    },
  };
}
