import { boundedList, identifier } from '@mesh/server-kit';
import type { QueryResolvers } from '../__generated__/resolvers-types.js';

export const Query: QueryResolvers = {
  product: (_parent, { id }, { loaders }) => {
    const productId = identifier(id, 'id');
    // A product read by id is a product page, shown with its variants: read them in the same round
    // as the product (two queries in flight at once) rather than after it. load() is cached per request.
    void loaders.variantsByProductId.load(productId).catch(() => undefined);
    return loaders.productById.load(productId);
  },
  products: (_parent, args, { catalog }) => catalog.listProducts(args),
  variant: (_parent, { sku }, { loaders }) => loaders.variantBySku.load(identifier(sku, 'sku')),
  variants: async (_parent, { skus }, { loaders }) => {
    const checked = (boundedList(skus, 'skus') ?? []).map((sku) => identifier(sku, 'skus'));
    // An unknown SKU is null (the loader's miss); a failed read is an error, never null: the order
    // domain prices from this list and would refuse a known SKU as unknown during a database outage.
    const rows = await loaders.variantBySku.loadMany(checked);
    return rows.map((row) => {
      if (row instanceof Error) throw row;
      return row;
    });
  },
  priceCart: (_parent, { input }, { pricing }) => pricing.priceCart(input),
  promotions: (_parent, { at }, { pricing }) => pricing.promotionsInForce(at ?? new Date()),
};
