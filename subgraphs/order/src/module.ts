import { readFileSync } from 'node:fs';
import type { SubgraphModule } from '@mesh/server-kit';
import { createOrderContext, type OrderContext } from './context.js';
import { createOrderModels, type OrderModels } from './models/index.js';
import { startOrderEvents } from './order-events.js';
import { resolvers } from './resolvers/index.js';
import { seedOrders } from './seed.js';

/** The order subgraph as a unit: schema, resolvers, models, per-request context, seed, event consumers. No side effects until started. */
export const orderSubgraph: SubgraphModule<OrderModels, OrderContext> = {
  name: 'order',
  typeDefs: readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'),
  resolvers,
  createModels: createOrderModels,
  createContext: createOrderContext,
  seed: seedOrders,
  start: startOrderEvents,
};
