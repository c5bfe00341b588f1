import { idempotent, mongoProcessedEvents } from '@mesh/events';
import type { SubgraphRuntime } from '@mesh/server-kit';
import type { OrderModels } from './models/index.js';
import { recordCustomerMerge } from './services/record-customer-merge.service.js';

/** The durable consumer through which the order domain follows customer merges. */
export const CUSTOMER_MERGES_CONSUMER = 'order-customer-merges';

/**
 * The order subgraph's background work: the durable consumer of `customer.customers-merged`
 * (idempotent per event key, so a redelivery changes nothing). Stopped before the database closes.
 */
export async function startOrderEvents(runtime: SubgraphRuntime<OrderModels>): Promise<{ stop(): Promise<void> }> {
  const { models, bus } = runtime;
  const processed = mongoProcessedEvents(models.processedEvents);
  const subscription = await bus.subscribe(
    'customer.customers-merged',
    CUSTOMER_MERGES_CONSUMER,
    idempotent(processed, (envelope) => recordCustomerMerge(models, envelope)),
  );
  return { stop: () => subscription.stop() };
}
