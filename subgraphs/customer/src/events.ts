import type { Model } from 'mongoose';
import { createOutboxModel, pendingEventsSource, startOutboxRelay, type WithPendingEvents } from '@mesh/events';
import type { Stoppable, SubgraphResources } from '@mesh/server-kit';
import type { CustomerRecord } from './models/customer.model.js';
import type { CustomerModels } from './models/index.js';
import type { CustomerRuntime } from './runtime.js';
import type { CustomerSettings } from './settings.js';

/**
 * The customer subgraph's background work: the outbox relay that publishes the events recorded
 * on customer documents (`customer.customers-merged`), a pass right after every write that
 * records events (`announceEvents`) and a safety-net sweep every `relayIntervalMs`.
 */
export async function startCustomerEvents(
  runtime: CustomerRuntime,
  { connection, bus, logger }: SubgraphResources<CustomerSettings, CustomerModels>,
): Promise<Stoppable> {
  const outbox = createOutboxModel(connection);
  await outbox.init();
  const relay = startOutboxRelay({
    model: outbox,
    bus,
    logger,
    intervalMs: runtime.settings.relayIntervalMs,
    sources: [pendingEventsSource(withEvents(runtime.models.customers))],
  });
  return { stop: () => relay.stop() };
}

/** Customer records carry `pendingEvents` only while they have some; the relay reads it as always present (it filters on it). */
function withEvents(model: CustomerModels['customers']): Model<CustomerRecord & WithPendingEvents> {
  return model as unknown as Model<CustomerRecord & WithPendingEvents>;
}
