import { announceEvents, createOutboxModel, idempotent, mongoProcessedEvents, pendingEventsSource, startOutboxRelay, type WithPendingEvents, writtenDocuments } from '@mesh/events';
import type { Model } from 'mongoose';
import { DEFAULT_EVENT_CONCURRENCY, type SubgraphRuntime } from '@mesh/server-kit';
import type { OrderModels } from './models/index.js';
import type { OrderRuntime } from './order-runtime.js';
import { recordCustomerMerge } from './services/record-customer-merge.service.js';
import { cancelExpiredOrder } from './services/cancel-expired-order.service.js';
import { recordStockDecision } from './services/record-stock-decision.service.js';

/** Longest pause of the relay's safety-net pass while idle: this process's writes wake it anyway (announceEvents). */
const RELAY_IDLE_INTERVAL_MS = 5000;

/** The durable consumer through which the order domain follows customer merges. */
export const CUSTOMER_MERGES_CONSUMER = 'order-customer-merges';
/** The durable consumer through which the order domain learns inventory's answer to its orders. */
export const STOCK_DECISIONS_CONSUMER = 'order-stock-decisions';
/** The durable consumer through which the order domain cancels orders whose reservation expired. */
export const RESERVATION_EXPIRIES_CONSUMER = 'order-reservation-expiries';

/**
 * The order subgraph's background work, stopped before the database closes:
 * - the outbox relay publishing the events orders carry (`pendingEvents`), woken by every write that
 *   recorded some (`announceEvents`);
 * - the durable consumer of `customer.customers-merged`, one merge at a time across replicas;
 * - the durable consumer of `inventory.stock-reserved` / `inventory.stock-reservation-rejected`
 *   (an order PLACED or PENDING becomes CONFIRMED or REJECTED), up to `config.eventConcurrency`
 *   decisions at once, partitioned by order id (one order's decisions stay in order);
 * - the durable consumer of `inventory.reservation-released`: an EXPIRED reservation cancels its
 *   order (PICKUP_EXPIRED), since the stock it held is gone.
 * Consumers are idempotent per event key, so a redelivery changes nothing.
 */
export async function startOrderEvents(runtime: SubgraphRuntime<OrderModels>, orderRuntime: OrderRuntime): Promise<{ stop(): Promise<void> }> {
  const { models, bus, connection, logger, config } = runtime;
  orderRuntime.useSecret(config.internalSecret);
  const outbox = createOutboxModel(connection);
  await outbox.init();
  const relay = startOutboxRelay({ model: outbox, bus, sources: [pendingEventsSource(models.orders as unknown as Model<WithPendingEvents>)], intervalMs: orderRuntime.settings.relayIntervalMs, idleIntervalMs: RELAY_IDLE_INTERVAL_MS, logger });
  const processed = mongoProcessedEvents(models.processedEvents);
  const merges = await bus.subscribe(
    'customer.customers-merged',
    CUSTOMER_MERGES_CONSUMER,
    idempotent(processed, (envelope) => recordCustomerMerge(models, envelope)),
    // A merge reads the survivor's alias, then repoints; two at once on two replicas could leave a
    // chain two hops long, so merges run one at a time across every order replica.
    { exclusive: true },
  );
  const decisions = await bus.subscribe(
    ['inventory.stock-reserved', 'inventory.stock-reservation-rejected'],
    STOCK_DECISIONS_CONSUMER,
    idempotent(processed, async (envelope) => {
      const placedHere = orderRuntime.recentlyPlaced.get(envelope.data.orderId);
      orderRuntime.recentlyPlaced.delete(envelope.data.orderId);
      const decided = await recordStockDecision(models, envelope, placedHere);
      if (decided) announceEvents(models.orders, writtenDocuments(decided));
      // Decided (now or by an earlier delivery): wake this replica's callers waiting on the order,
      // handing them the decided order when this delivery decided it (they need not read it).
      orderRuntime.intake.decided(envelope.data.orderId);
      orderRuntime.decisions.notify(envelope.data.orderId, decided ?? undefined);
    }, { guarded: () => true }), // The decision is one update guarded on PLACED/PENDING: a re-run changes nothing.
    { concurrency: config.eventConcurrency ?? DEFAULT_EVENT_CONCURRENCY, partitionKey: (envelope) => envelope.data.orderId },
  );
  const expiries = await bus.subscribe(
    'inventory.reservation-released',
    RESERVATION_EXPIRIES_CONSUMER,
    idempotent(processed, async (envelope) => {
      if (await cancelExpiredOrder(models, envelope)) relay.poke();
    }),
  );
  return {
    async stop() {
      await Promise.all([merges.stop(), decisions.stop(), expiries.stop()]);
      await relay.stop();
    },
  };
}
