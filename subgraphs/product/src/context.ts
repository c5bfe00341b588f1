import type { RequestContext } from '@mesh/server-kit';
import type { SchedulePriceInput } from './__generated__/resolvers-types.js';
import { createProductLoaders, type ProductLoaders } from './loaders.js';
import type { ProductModels } from './models/index.js';
import { schedulePrice, type ScheduledPrice } from './pricing/schedule-price.service.js';
import { listProducts } from './services/list-products.service.js';

/** What product resolvers receive: the caller, fresh loaders, and the use cases bound to this database. */
export interface ProductContext extends RequestContext {
  readonly loaders: ProductLoaders;
  readonly catalog: {
    readonly listProducts: (args: Parameters<typeof listProducts>[1]) => ReturnType<typeof listProducts>;
  };
  readonly pricing: {
    /** Mutation.schedulePrice. */
    readonly schedulePrice: (input: SchedulePriceInput) => Promise<ScheduledPrice>;
  };
}

export function createProductContext(base: RequestContext, models: ProductModels): ProductContext {
  return {
    ...base,
    loaders: createProductLoaders(models),
    catalog: { listProducts: (args) => listProducts(models, args) },
    pricing: { schedulePrice: (input) => schedulePrice(models, base.principal, input) },
  };
}
