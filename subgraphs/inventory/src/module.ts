import { readFileSync } from 'node:fs';
import type { SubgraphModule } from '@mesh/server-kit';
import { createInventoryContext, type InventoryContext } from './context.js';
import { createInventoryModels, type InventoryModels } from './models/index.js';
import { resolvers } from './resolvers/index.js';
import { seedInventory } from './seed.js';

/** The inventory subgraph as a unit: schema, resolvers, models, per-request context, seed. No side effects. */
export const inventorySubgraph: SubgraphModule<InventoryModels, InventoryContext> = {
  name: 'inventory',
  typeDefs: readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'),
  resolvers,
  createModels: createInventoryModels,
  createContext: createInventoryContext,
  seed: seedInventory,
};
