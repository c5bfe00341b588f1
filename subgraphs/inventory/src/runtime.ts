import type { LiveFeed } from '@mesh/events';
import type { SubgraphResources } from '@mesh/server-kit';
import type { Registry } from 'prom-client';
import { LocationDirectory } from './location-directory.js';
import type { InventoryModels } from './models/index.js';
import type { InventorySettings } from './settings.js';

/** What every request of this process shares. */
export interface InventoryRuntime {
  readonly settings: InventorySettings;
  readonly models: InventoryModels;
  /** Locations remembered for `locationCacheMs` across requests (reference data). */
  readonly locations: LocationDirectory;
  /** The feed Subscription.availabilityChanged reads (the kit opens it once and closes it on shutdown). */
  readonly liveFeed: () => Promise<LiveFeed>;
  /** The service's /metrics registry, where LiveKpis reads inventory's KPIs back. */
  readonly registry: Registry;
}

export function createInventoryRuntime({ settings, models, liveFeed, metrics }: SubgraphResources<InventorySettings, InventoryModels>): InventoryRuntime {
  return { settings, models, locations: new LocationDirectory(models, settings.locationCacheMs), liveFeed, registry: metrics.registry };
}
