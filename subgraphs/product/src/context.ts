import type { RequestContext } from '@mesh/server-kit';
import { createProductLoaders, type ProductLoaders } from './loaders.js';
import type { ProductModels } from './models/index.js';
import { listProducts } from './services/list-products.service.js';

/** What product resolvers receive: the caller, fresh loaders, and the use cases bound to this database. */
export interface ProductContext extends RequestContext {
  readonly loaders: ProductLoaders;
  readonly catalog: {
    readonly listProducts: (args: Parameters<typeof listProducts>[1]) => ReturnType<typeof listProducts>;
  };
}

export function createProductContext(base: RequestContext, models: ProductModels): ProductContext {
  return {
    ...base,
    loaders: createProductLoaders(models),
    catalog: { listProducts: (args) => listProducts(models, args) },
  };
}
