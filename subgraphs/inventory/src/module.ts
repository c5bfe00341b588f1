import { readFileSync } from 'node:fs';
import type { LiveFeed } from '@mesh/events';
import { connectLiveFeed, type SubgraphModule } from '@mesh/server-kit';
import type { Registry } from 'prom-client';
import { startInventoryBackground } from './background.js';
import { createInventoryContext, type InventoryContext } from './context.js';
import { readInventorySettings, type InventorySettings } from './inventory-settings.js';
import { LocationDirectory } from './location-directory.js';
import { createInventoryModels, type InventoryModels } from './models/index.js';
import { resolvers } from './resolvers/index.js';
import { seedInventory } from './seed.js';

/**
 * The inventory subgraph as a unit: schema, resolvers, models, per-request context, seed, and
 * its background work (event relay, order-events consumer, reservation expiry). No side effects:
 * settings are read from the environment when it starts; `overrides` replace them (tests).
 */
export function createInventorySubgraph(overrides: Partial<InventorySettings> = {}): SubgraphModule<InventoryModels, InventoryContext> {
  let liveFeed: LiveFeed | undefined;
  let registry: Registry | undefined;
  // Made with the first request's models (the settings are read then, not at import).
  let locations: LocationDirectory | undefined;
  return {
    name: 'inventory',
    typeDefs: readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'),
    resolvers,
    createModels: createInventoryModels,
    createContext: (base, models) => {
      if (locations?.models !== models) locations = new LocationDirectory(models, { ...readInventorySettings(), ...overrides }.locationCacheMs);
      return createInventoryContext(base, models, locations, () => liveFeed, () => registry);
    },
    seed: seedInventory,
    start: async (runtime) => {
      const feed = await connectLiveFeed(runtime);
      liveFeed = feed;
      const background = await startInventoryBackground(runtime, { ...readInventorySettings(), ...overrides });
      registry = runtime.metrics.registry;
      return {
        async stop() {
          registry = undefined;
          await background.stop();
          liveFeed = undefined;
          await feed.close();
        },
      };
    },
  };
}

export const inventorySubgraph = createInventorySubgraph();

export { createInventoryModels, type InventoryModels } from './models/index.js';
export { reserveStock, type ReserveStockInput, type ReserveStockOutcome } from './services/reserve-stock.service.js';
export { releaseReservation } from './services/release-reservation.service.js';
export { commitReservation } from './services/commit-reservation.service.js';
export { orderReservationKey, ORDER_EVENTS_CONSUMER } from './events/order-events.consumer.js';
export { readInventorySettings, type InventorySettings } from './inventory-settings.js';
