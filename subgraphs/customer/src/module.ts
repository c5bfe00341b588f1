import { readFileSync } from 'node:fs';
import type { SubgraphModule } from '@mesh/server-kit';
import { createCustomerContext, type CustomerContext } from './context.js';
import { startCustomerEvents } from './events.js';
import { createCustomerModels, type CustomerModels } from './models/index.js';
import { resolvers } from './resolvers/index.js';
import { createCustomerRuntime, type CustomerRuntime } from './runtime.js';
import { seedCustomers } from './seed.js';
import { readCustomerSettings, type CustomerSettings } from './settings.js';

export type CustomerSubgraph = SubgraphModule<CustomerSettings, CustomerModels, CustomerRuntime, CustomerContext>;

/** The customer subgraph in the kit's one shape; `overrides` replace settings read from the environment (tests). */
export function createCustomerSubgraph(overrides: Partial<CustomerSettings> = {}): CustomerSubgraph {
  return {
    name: 'customer',
    typeDefs: readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'),
    resolvers,
    readSettings: (env) => ({ ...readCustomerSettings(env), ...overrides }),
    createModels: createCustomerModels,
    seed: seedCustomers,
    createRuntime: createCustomerRuntime,
    startBackground: startCustomerEvents,
    createContext: createCustomerContext,
  };
}

/** The customer subgraph configured from the environment. */
export const customerSubgraph: CustomerSubgraph = createCustomerSubgraph();
