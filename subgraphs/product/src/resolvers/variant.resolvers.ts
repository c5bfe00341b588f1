import { LongScalar, money, moneyResolvers } from '@mesh/server-kit';
import type { MoneyResolvers, ProductVariantResolvers } from '../__generated__/resolvers-types.js';

export const ProductVariant: ProductVariantResolvers = {
  __resolveReference: (reference, { loaders }) => loaders.variantBySku.load(reference.sku),
  sku: (variant) => variant._id,
  product: async (variant, _args, { loaders }) => {
    const product = await loaders.productById.load(variant.productId);
    if (!product) throw new Error(`variant ${variant._id} refers to missing product ${variant.productId}`);
    return product;
  },
  price: (variant, { currency }) => {
    const price = variant.prices.find((candidate) => candidate.currency === currency);
    return price ? money(price.amountMinor, price.currency) : null;
  },
  unitCost: (variant, { currency }) => {
    const cost = variant.unitCosts.find((candidate) => candidate.currency === currency);
    return cost ? money(cost.amountMinor, cost.currency) : null;
  },
  prices: (variant) => variant.prices.map((price) => money(price.amountMinor, price.currency)),
};

export const Money: MoneyResolvers = moneyResolvers;
export const Long = LongScalar;
