import { readFileSync } from 'node:fs';
import type { SubgraphModule } from '@mesh/server-kit';
import { createProductContext, type ProductContext } from './context.js';
import { createProductModels, type ProductModels } from './models/index.js';
import { resolvers } from './resolvers/index.js';
import { seedCatalog } from './seed.js';

/** The product subgraph as a unit: schema, resolvers, models, per-request context, seed. No side effects. */
export const productSubgraph: SubgraphModule<ProductModels, ProductContext> = {
  name: 'product',
  typeDefs: readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'),
  resolvers,
  createModels: createProductModels,
  createContext: createProductContext,
  seed: seedCatalog,
};
