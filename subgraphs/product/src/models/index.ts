import type { Connection } from 'mongoose';
import { registerProductModel, type ProductModel } from './product.model.js';
import { registerVariantModel, type VariantModel } from './variant.model.js';

export interface ProductModels {
  readonly products: ProductModel;
  readonly variants: VariantModel;
}

export function createProductModels(connection: Connection): ProductModels {
  return { products: registerProductModel(connection), variants: registerVariantModel(connection) };
}
