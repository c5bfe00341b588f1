import type { SubgraphResources } from '@mesh/server-kit';
import type { CustomerModels } from './models/index.js';
import type { CustomerSettings } from './settings.js';

/** What every request of this process shares: the customer domain keeps nothing beyond its models. */
export interface CustomerRuntime {
  readonly settings: CustomerSettings;
  readonly models: CustomerModels;
}

export function createCustomerRuntime({ settings, models }: SubgraphResources<CustomerSettings, CustomerModels>): CustomerRuntime {
  return { settings, models };
}
