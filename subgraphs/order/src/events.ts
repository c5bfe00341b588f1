import { createOutboxModel, pendingEventsSource, startOutboxRelay, type WithPendingEvents } from '@mesh/events';
import type { Model } from 'mongoose';
import { DEFAULT_EVENT_CONCURRENCY, type Stoppable, type SubgraphResources } from '@mesh/server-kit';
import { subscribeOrderConsumers } from './events/order-consumers.js';
import type { OrderModels } from './models/index.js';
import { trackOldestPendingOrder } from './observability/order-kpis.js';
import { watchDecisionFeed } from './placement/decision-feed.js';
import type { OrderRuntime } from './runtime.js';
import type { OrderSettings } from './settings.js';

/** Longest pause of the relay's safety-net pass while idle: this process's writes wake it anyway (announceEvents). */
const RELAY_IDLE_INTERVAL_MS = 5000;

/**
 * The order subgraph's background work, stopped before the database closes:
 * - the outbox relay publishing the events orders carry (`pendingEvents`), woken by every write that
 *   recorded some (`announceEvents`);
 * - the durable consumers of customer merges, stock decisions and expired reservations
 *   (events/order-consumers.ts), up to `config.eventConcurrency` stock decisions at once;
 * - the decision feed watcher, waking this replica's placeOrder callers for decisions another
 *   replica recorded;
 * - the measure of the oldest PENDING order's age (a KPI), every `kpiIntervalMs`.
 */
export async function startOrderEvents(
  runtime: OrderRuntime,
  { bus, connection, logger, config, metrics }: SubgraphResources<OrderSettings, OrderModels>,
): Promise<Stoppable> {
  const { models, settings } = runtime;
  const outbox = createOutboxModel(connection);
  await outbox.init();
  const relay = startOutboxRelay({
    model: outbox,
    bus,
    sources: [pendingEventsSource(models.orders as unknown as Model<WithPendingEvents>)],
    intervalMs: settings.relayIntervalMs,
    idleIntervalMs: RELAY_IDLE_INTERVAL_MS,
    logger,
  });
  const consumers = await subscribeOrderConsumers(runtime, bus, {
    concurrency: config.eventConcurrency ?? DEFAULT_EVENT_CONCURRENCY,
    pokeRelay: () => relay.poke(),
  });
  const pendingAge = trackOldestPendingOrder(metrics.registry, models, { intervalMs: settings.kpiIntervalMs, logger });
  const decisionFeed = watchDecisionFeed(await runtime.liveFeed(), runtime, logger);
  return {
    async stop() {
      pendingAge.stop();
      await decisionFeed.stop();
      await consumers.stop();
      await relay.stop();
    },
  };
}
