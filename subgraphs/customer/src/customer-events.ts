import type { Model } from 'mongoose';
import { createOutboxModel, pendingEventsSource, startOutboxRelay, type WithPendingEvents } from '@mesh/events';
import type { SubgraphRuntime } from '@mesh/server-kit';
import type { CustomerRecord } from './models/customer.model.js';
import type { CustomerModels } from './models/index.js';

/**
 * How often the relay sweeps for events a crashed or slow write left behind. Every write that
 * records events wakes it (`announceEvents`), so the sweep is only the safety net.
 */
const SWEEP_INTERVAL_MS = 30_000;

/**
 * The customer subgraph's background work: the outbox relay that publishes the events recorded
 * on customer documents (`customer.customers-merged`), a pass right after every write and a
 * sweep every 30 s. Stopped before the database closes.
 */
export async function startCustomerEvents(runtime: SubgraphRuntime<CustomerModels>): Promise<{ stop(): Promise<void> }> {
  const { models, connection, bus, logger } = runtime;
  const outbox = createOutboxModel(connection);
  await outbox.init();
  const relay = startOutboxRelay({ model: outbox, bus, logger, intervalMs: SWEEP_INTERVAL_MS, sources: [pendingEventsSource(withEvents(models.customers))] });
  return {
    async stop() {
      await relay.stop();
    },
  };
}

/** Customer records carry `pendingEvents` only while they have some; the relay reads it as always present (it filters on it). */
function withEvents(model: CustomerModels['customers']): Model<CustomerRecord & WithPendingEvents> {
  return model as unknown as Model<CustomerRecord & WithPendingEvents>;
}
