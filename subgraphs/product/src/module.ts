import { readFileSync } from 'node:fs';
import type { LiveFeed } from '@mesh/events';
import { connectLiveFeed, type SubgraphModule } from '@mesh/server-kit';
import { startProductBackground } from './background.js';
import { createProductContext, type ProductContext } from './context.js';
import { createProductModels, type ProductModels } from './models/index.js';
import { readProductSettings, type ProductSettings } from './product-settings.js';
import { resolvers } from './resolvers/index.js';
import { seedCatalog } from './seed.js';

/**
 * The product subgraph as a unit: schema, resolvers, models, per-request context, seed, and its
 * background work (price announcer, event relay, order-events consumer, the live feed of price
 * changes for subscriptions). No side effects: settings are read from the
 * environment when it starts; `overrides` replace them (tests).
 */
export function createProductSubgraph(overrides: Partial<ProductSettings> = {}): SubgraphModule<ProductModels, ProductContext> {
  let liveFeed: LiveFeed | undefined;
  return {
    name: 'product',
    typeDefs: readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'),
    resolvers,
    createModels: createProductModels,
    createContext: (base, models) => createProductContext(base, models, () => liveFeed),
    seed: seedCatalog,
    start: async (runtime) => {
      const feed = await connectLiveFeed(runtime);
      liveFeed = feed;
      const background = await startProductBackground(runtime, { ...readProductSettings(), ...overrides });
      return {
        async stop() {
          await background.stop();
          liveFeed = undefined;
          await feed.close();
        },
      };
    },
  };
}

export const productSubgraph: SubgraphModule<ProductModels, ProductContext> = createProductSubgraph();
export { createProductModels, type ProductModels } from './models/index.js';
export { PRODUCT_ORDER_EVENTS_CONSUMER } from './events/order-events.consumer.js';
export { startCouponSweeper, COUPON_SWEEPER_JOB, type CouponSweeper } from './pricing/coupon-sweeper.job.js';
export { returnUnplacedUses } from './pricing/return-unplaced-uses.js';
