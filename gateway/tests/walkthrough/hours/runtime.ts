import type { SubgraphResources } from '@mesh/server-kit';
import type { StoreHoursModels } from './models/index.js';
import type { StoreHoursSettings } from './settings.js';

/** What every request of this process shares; a domain with clients or caches adds them here. */
export interface StoreHoursRuntime {
  readonly settings: StoreHoursSettings;
  readonly models: StoreHoursModels;
}

export function createStoreHoursRuntime({ settings, models }: SubgraphResources<StoreHoursSettings, StoreHoursModels>): StoreHoursRuntime {
  return { settings, models };
}
