import { readFileSync } from 'node:fs';
import type { SubgraphModule } from '@mesh/server-kit';
import { startProductBackground } from './background.js';
import { createProductContext, type ProductContext } from './context.js';
import { createProductModels, type ProductModels } from './models/index.js';
import { readProductSettings, type ProductSettings } from './product-settings.js';
import { resolvers } from './resolvers/index.js';
import { seedCatalog } from './seed.js';

/**
 * The product subgraph as a unit: schema, resolvers, models, per-request context, seed, and its
 * background work (price announcer, event relay). No side effects: settings are read from the
 * environment when it starts; `overrides` replace them (tests).
 */
export function createProductSubgraph(overrides: Partial<ProductSettings> = {}): SubgraphModule<ProductModels, ProductContext> {
  return {
    name: 'product',
    typeDefs: readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'),
    resolvers,
    createModels: createProductModels,
    createContext: createProductContext,
    seed: seedCatalog,
    start: async (runtime) => startProductBackground(runtime, { ...readProductSettings(), ...overrides }),
  };
}

export const productSubgraph: SubgraphModule<ProductModels, ProductContext> = createProductSubgraph();
export { createProductModels, type ProductModels } from './models/index.js';
