import type { QueryFilter } from 'mongoose';
import { boundedList, boundedText, decodeCursor, escapeRegExp, pageSize, safeKey, toConnection, type Connection } from '@mesh/server-kit';
import type { ProductModels } from '../models/index.js';
import type { ProductRecord } from '../models/product.model.js';
import type { ProductFilter } from '../__generated__/schema-types.js';

export interface ProductPage extends Connection<ProductRecord> {
  /** Counted only when the client asks for totalCount. */
  readonly totalCount: () => Promise<number>;
}

/** A page of products in id order, narrowed by the filter; every input is bounded and literal. */
export async function listProducts(
  models: ProductModels,
  args: { first?: number | null; after?: string | null; filter?: ProductFilter | null },
): Promise<ProductPage> {
  const first = pageSize(args.first);
  const after = decodeCursor(args.after);
  const filter = await buildFilter(models, args.filter ?? undefined);
  const pageFilter: QueryFilter<ProductRecord> = after ? { $and: [filter, { _id: { $gt: after } }] } : filter;
  const rows = await models.products
    .find(pageFilter)
    .sort({ _id: 1 })
    .limit(first + 1)
    .lean<ProductRecord[]>();
  return { ...toConnection(rows, first, (row) => row._id), totalCount: () => models.products.countDocuments(filter).exec() };
}

async function buildFilter(models: ProductModels, filter: ProductFilter | undefined): Promise<QueryFilter<ProductRecord>> {
  const conditions: QueryFilter<ProductRecord>[] = [];
  const search = boundedText(filter?.search, 'filter.search', 100);
  if (search) conditions.push({ name: { $regex: escapeRegExp(search), $options: 'i' } });
  const brand = boundedText(filter?.brand, 'filter.brand', 100);
  if (brand) conditions.push({ brand });
  const category = boundedText(filter?.category, 'filter.category', 100);
  if (category) conditions.push({ category });
  const attributes = boundedList(filter?.attributes, 'filter.attributes');
  if (attributes && attributes.length > 0) {
    const variantConditions = attributes.map((attribute) => ({
      attributes: {
        $elemMatch: { name: safeKey(attribute.name, 'filter.attributes.name'), value: boundedText(attribute.value, 'filter.attributes.value', 100) ?? '' },
      },
    }));
    const productIds = await models.variants.distinct('productId', { $and: variantConditions });
    conditions.push({ _id: { $in: productIds } });
  }
  return conditions.length === 0 ? {} : { $and: conditions };
}
