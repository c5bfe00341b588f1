import { CURRENCY_EXPONENTS, LongScalar, money, moneyResolvers, type CurrencyCode } from '@mesh/server-kit';
import type { MoneyResolvers, PricePeriodResolvers, ProductVariantResolvers } from '../__generated__/resolvers-types.js';
import { priceListId } from '../pricing/price-list.model.js';
import { resolvePrice } from '../pricing/resolve-price.js';

const CURRENCIES = Object.keys(CURRENCY_EXPONENTS) as CurrencyCode[];

export const ProductVariant: ProductVariantResolvers = {
  __resolveReference: (reference, { loaders }) => loaders.variantBySku.load(reference.sku),
  sku: (variant) => variant._id,
  product: async (variant, _args, { loaders }) => {
    const product = await loaders.productById.load(variant.productId);
    if (!product) throw new Error(`variant ${variant._id} refers to missing product ${variant.productId}`);
    return product;
  },
  price: async (variant, { currency, channel, storeId, tier, at }, { loaders }) => {
    const price = resolvePrice(await loaders.priceListsBySku.load(variant._id), { currency, channel, storeId, tier, at: at ?? new Date() });
    return price ? money(price.amountMinor, price.currency) : null;
  },
  unitCost: (variant, { currency }) => {
    const cost = variant.unitCosts.find((candidate) => candidate.currency === currency);
    return cost ? money(cost.amountMinor, cost.currency) : null;
  },
  prices: async (variant, _args, { loaders }) => {
    const lists = await loaders.priceListsBySku.load(variant._id);
    const now = new Date();
    return CURRENCIES.flatMap((currency) => {
      const price = resolvePrice(lists, { currency, at: now });
      return price ? [money(price.amountMinor, currency)] : [];
    });
  },
  priceHistory: async (variant, { currency, channel, storeId, tier }, { loaders }) => {
    const id = priceListId({ sku: variant._id, currency, ...(channel ? { channel } : {}), ...(storeId ? { storeId } : {}), ...(tier ? { tier } : {}) });
    const list = (await loaders.priceListsBySku.load(variant._id)).find((candidate) => candidate._id === id);
    return list ? list.periods.map((period) => ({ ...period, currency })) : [];
  },
};

export const PricePeriod: PricePeriodResolvers = {
  price: (period) => money(period.amountMinor, period.currency),
  effectiveFrom: (period) => period.from,
  effectiveTo: (period) => period.to ?? null,
};

export const Money: MoneyResolvers = moneyResolvers;
export const Long = LongScalar;
