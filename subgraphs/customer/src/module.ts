import { readFileSync } from 'node:fs';
import type { SubgraphModule } from '@mesh/server-kit';
import { createCustomerContext, type CustomerContext } from './context.js';
import { startCustomerEvents } from './customer-events.js';
import { createCustomerModels, type CustomerModels } from './models/index.js';
import { resolvers } from './resolvers/index.js';
import { seedCustomers } from './seed.js';

/** The customer subgraph as a unit: schema, resolvers, models, per-request context, seed, the outbox relay. No side effects until started. */
export const customerSubgraph: SubgraphModule<CustomerModels, CustomerContext> = {
  name: 'customer',
  typeDefs: readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'),
  resolvers,
  createModels: createCustomerModels,
  createContext: createCustomerContext,
  seed: seedCustomers,
  start: startCustomerEvents,
};
