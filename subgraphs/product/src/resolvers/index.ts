import { DateTimeScalar } from '@mesh/server-kit';
import type { Resolvers } from '../__generated__/resolvers-types.js';
import { Mutation } from './mutation.resolvers.js';
import { Product, ProductConnection } from './product.resolvers.js';
import { AppliedPromotion, LineDiscount, PriceChange, PricedCart, PricedCartLine, Promotion, Subscription } from './pricing.resolvers.js';
import { Query } from './query.resolvers.js';
import { Long, Money, PricePeriod, ProductVariant } from './variant.resolvers.js';

export const resolvers: Resolvers = {
  Query,
  Mutation,
  Subscription,
  PriceChange,
  Product,
  ProductConnection,
  ProductVariant,
  PricePeriod,
  Promotion,
  PricedCart,
  PricedCartLine,
  LineDiscount,
  AppliedPromotion,
  Money,
  Long,
  DateTime: DateTimeScalar,
};
