import { readFileSync } from 'node:fs';
import type { SubgraphModule } from '@mesh/server-kit';
import { createInventoryContext, type InventoryContext } from './context.js';
import { startInventoryEvents } from './events.js';
import { createInventoryModels, type InventoryModels } from './models/index.js';
import { resolvers } from './resolvers/index.js';
import { createInventoryRuntime, type InventoryRuntime } from './runtime.js';
import { seedInventory } from './seed.js';
import { readInventorySettings, type InventorySettings } from './settings.js';

export type InventorySubgraph = SubgraphModule<InventorySettings, InventoryModels, InventoryRuntime, InventoryContext>;

/** The inventory subgraph in the kit's one shape; `overrides` replace settings read from the environment (tests). */
export function createInventorySubgraph(overrides: Partial<InventorySettings> = {}): InventorySubgraph {
  return {
    name: 'inventory',
    typeDefs: readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'),
    resolvers,
    readSettings: (env) => ({ ...readInventorySettings(env), ...overrides }),
    createModels: createInventoryModels,
    seed: seedInventory,
    createRuntime: createInventoryRuntime,
    startBackground: startInventoryEvents,
    createContext: createInventoryContext,
  };
}

/** The inventory subgraph configured from the environment. */
export const inventorySubgraph: InventorySubgraph = createInventorySubgraph();

export { createInventoryModels, type InventoryModels } from './models/index.js';
export { reserveStock, type ReserveStockInput, type ReserveStockOutcome } from './services/reserve-stock.service.js';
export { releaseReservation } from './services/release-reservation.service.js';
export { commitReservation } from './services/commit-reservation.service.js';
export { orderReservationKey, ORDER_EVENTS_CONSUMER } from './events/order-events.consumer.js';
export { readInventorySettings, type InventorySettings } from './settings.js';
