import { readFileSync } from 'node:fs';
import type { SubgraphModule } from '@mesh/server-kit';
import { createProductContext, type ProductContext } from './context.js';
import { startProductEvents } from './events.js';
import { createProductModels, type ProductModels } from './models/index.js';
import { resolvers } from './resolvers/index.js';
import { createProductRuntime, type ProductRuntime } from './runtime.js';
import { seedCatalog } from './seed.js';
import { readProductSettings, type ProductSettings } from './settings.js';

export type ProductSubgraph = SubgraphModule<ProductSettings, ProductModels, ProductRuntime, ProductContext>;

/** The product subgraph in the kit's one shape; `overrides` replace settings read from the environment (tests). */
export function createProductSubgraph(overrides: Partial<ProductSettings> = {}): ProductSubgraph {
  return {
    name: 'product',
    typeDefs: readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'),
    resolvers,
    readSettings: (env) => ({ ...readProductSettings(env), ...overrides }),
    createModels: createProductModels,
    seed: seedCatalog,
    createRuntime: createProductRuntime,
    startBackground: startProductEvents,
    createContext: createProductContext,
  };
}

/** The product subgraph configured from the environment. */
export const productSubgraph: ProductSubgraph = createProductSubgraph();
export { createProductModels, type ProductModels } from './models/index.js';
export { readProductSettings, type ProductSettings } from './settings.js';
export { PRODUCT_ORDER_EVENTS_CONSUMER } from './events/order-events.consumer.js';
export { startCouponSweeper, COUPON_SWEEPER_JOB, type CouponSweeper } from './pricing/coupon-sweeper.job.js';
export { returnUnplacedUses } from './pricing/return-unplaced-uses.js';
