import DataLoader from 'dataloader';
import { loaderOptions } from '@mesh/server-kit';
import type { ProductModels } from './models/index.js';
import type { ProductRecord } from './models/product.model.js';
import type { VariantRecord } from './models/variant.model.js';
import type { PriceListRecord } from './pricing/price-list.model.js';

/** Per-request loaders: every entity and list field of this subgraph reads through these. */
export interface ProductLoaders {
  readonly productById: DataLoader<string, ProductRecord | null>;
  readonly variantBySku: DataLoader<string, VariantRecord | null>;
  readonly variantsByProductId: DataLoader<string, VariantRecord[]>;
  /** Every price list of a SKU (all currencies and scopes): a price is resolved from these. */
  readonly priceListsBySku: DataLoader<string, PriceListRecord[]>;
}

export function createProductLoaders(models: ProductModels): ProductLoaders {
  return {
    productById: new DataLoader(async (ids) => {
      const rows = await models.products.find({ _id: { $in: [...ids] } }).lean<ProductRecord[]>();
      const byId = new Map(rows.map((row) => [row._id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }, loaderOptions()),
    variantBySku: new DataLoader(async (skus) => {
      const rows = await models.variants.find({ _id: { $in: [...skus] } }).lean<VariantRecord[]>();
      const bySku = new Map(rows.map((row) => [row._id, row]));
      return skus.map((sku) => bySku.get(sku) ?? null);
    }, loaderOptions()),
    variantsByProductId: new DataLoader(async (productIds) => {
      const rows = await models.variants
        .find({ productId: { $in: [...productIds] } })
        .sort({ _id: 1 })
        .lean<VariantRecord[]>();
      const grouped = new Map<string, VariantRecord[]>();
      for (const row of rows) grouped.set(row.productId, [...(grouped.get(row.productId) ?? []), row]);
      return productIds.map((id) => grouped.get(id) ?? []);
    }, loaderOptions()),
    priceListsBySku: new DataLoader(async (skus) => {
      const rows = await models.priceLists.find({ sku: { $in: [...skus] } }, { pendingEvents: 0 }).lean<PriceListRecord[]>();
      const grouped = new Map<string, PriceListRecord[]>();
      for (const row of rows) grouped.set(row.sku, [...(grouped.get(row.sku) ?? []), row]);
      return skus.map((sku) => grouped.get(sku) ?? []);
    }, loaderOptions()),
  };
}
