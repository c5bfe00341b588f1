import type { LiveFeed } from '@mesh/events';
import type { SubgraphResources } from '@mesh/server-kit';
import type { ProductModels } from './models/index.js';
import type { ProductSettings } from './settings.js';

/** What every request of this process shares. */
export interface ProductRuntime {
  readonly settings: ProductSettings;
  readonly models: ProductModels;
  /** The feed Subscription.priceChanged reads (the kit opens it once and closes it on shutdown). */
  readonly liveFeed: () => Promise<LiveFeed>;
}

export function createProductRuntime({ settings, models, liveFeed }: SubgraphResources<ProductSettings, ProductModels>): ProductRuntime {
  return { settings, models, liveFeed };
}
