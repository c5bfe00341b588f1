import { readFileSync } from 'node:fs';
import type { SubgraphModule } from '@mesh/server-kit';
import { createStoreHoursContext, type StoreHoursContext } from './context.js';
import { startStoreHoursEvents } from './events.js';
import { createStoreHoursModels, type StoreHoursModels } from './models/index.js';
import { resolvers } from './resolvers/index.js';
import { createStoreHoursRuntime, type StoreHoursRuntime } from './runtime.js';
import { readStoreHoursSettings, type StoreHoursSettings } from './settings.js';

export type StoreHoursSubgraph = SubgraphModule<StoreHoursSettings, StoreHoursModels, StoreHoursRuntime, StoreHoursContext>;

/** The hours subgraph in the kit's one shape; `overrides` replace settings read from the environment (tests). */
export function createStoreHoursSubgraph(overrides: Partial<StoreHoursSettings> = {}): StoreHoursSubgraph {
  return {
    name: 'hours',
    typeDefs: readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'),
    resolvers,
    readSettings: (env) => ({ ...readStoreHoursSettings(env), ...overrides }),
    createModels: createStoreHoursModels,
    createRuntime: createStoreHoursRuntime,
    startBackground: startStoreHoursEvents,
    createContext: createStoreHoursContext,
  };
}

/** The hours subgraph configured from the environment. */
export const storeHoursSubgraph: StoreHoursSubgraph = createStoreHoursSubgraph();
