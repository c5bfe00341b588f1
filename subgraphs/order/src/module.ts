import { readFileSync } from 'node:fs';
import type { SubgraphModule } from '@mesh/server-kit';
import { createOrderContext, type OrderContext } from './context.js';
import { createOrderModels, type OrderModels } from './models/index.js';
import { startOrderEvents } from './order-events.js';
import { OrderRuntime, readOrderRuntimeSettings, type OrderRuntimeSettings } from './order-runtime.js';
import { resolvers } from './resolvers/index.js';
import { seedOrders } from './seed.js';

/**
 * The order subgraph as a unit: schema, resolvers, models, per-request context, seed, event
 * consumers and outbox relay. No side effects until started. `settings` defaults to the
 * environment (PRODUCT_URL); tests pass the product subgraph they started.
 */
export function createOrderSubgraph(settings: Partial<OrderRuntimeSettings> = {}): SubgraphModule<OrderModels, OrderContext> {
  const runtime = new OrderRuntime({ ...readOrderRuntimeSettings(), ...settings });
  return {
    name: 'order',
    typeDefs: readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'),
    resolvers,
    createModels: createOrderModels,
    createContext: (base, models) => createOrderContext(base, models, runtime),
    seed: seedOrders,
    start: (started) => startOrderEvents(started, runtime),
  };
}

/** The order subgraph configured from the environment. */
export const orderSubgraph: SubgraphModule<OrderModels, OrderContext> = createOrderSubgraph();
export { readOrderRuntimeSettings } from './order-runtime.js';
