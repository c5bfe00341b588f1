import { identifier, type RequestContext } from '@mesh/server-kit';
import { requireCouponUse } from './access.js';
import type { CartInput, CreatePromotionInput, RedeemCouponsInput, SchedulePriceInput } from './__generated__/schema-types.js';
import { createProductLoaders, type ProductLoaders } from './loaders.js';
import { createPromotion } from './pricing/create-promotion.service.js';
import { priceCart, type PricedCartResult } from './pricing/price-cart.service.js';
import { promotionsInForce, type PromotionRecord } from './pricing/promotion.model.js';
import { redeemCoupons, releaseCoupons, type CouponVerdict } from './pricing/redeem-coupons.service.js';
import { schedulePrice, type ScheduledPrice } from './pricing/schedule-price.service.js';
import { watchPriceChanges, type PriceChangeView } from './pricing/watch-price-changes.service.js';
import type { ProductRuntime } from './runtime.js';
import { listProducts } from './services/list-products.service.js';

/** What product resolvers receive: the caller, fresh loaders, and the use cases bound to this database. */
export interface ProductContext extends RequestContext {
  readonly loaders: ProductLoaders;
  readonly catalog: {
    readonly listProducts: (args: Parameters<typeof listProducts>[1]) => ReturnType<typeof listProducts>;
  };
  /** Prices, promotions and coupons (pricing/). */
  readonly pricing: {
    /** Mutation.schedulePrice. */
    readonly schedulePrice: (input: SchedulePriceInput) => Promise<ScheduledPrice>;
    /** Query.priceCart. */
    readonly priceCart: (input: CartInput) => Promise<PricedCartResult>;
    /** Query.promotions. */
    readonly promotionsInForce: (at: Date) => Promise<PromotionRecord[]>;
    /** Mutation.createPromotion. */
    readonly createPromotion: (input: CreatePromotionInput) => Promise<PromotionRecord>;
    /** Mutation.redeemCoupons (callers who may place orders for anyone: associates, the order service). */
    readonly redeemCoupons: (input: RedeemCouponsInput) => Promise<CouponVerdict[]>;
    /** Mutation.releaseCoupons (same callers). */
    readonly releaseCoupons: (key: string, codes: readonly string[]) => Promise<number>;
    /** Subscription.priceChanged. */
    readonly watchPriceChanges: (args: { skus: readonly string[]; after?: string | null }) => Promise<AsyncIterableIterator<PriceChangeView | Error>>;
  };
}

export function createProductContext(base: RequestContext, { models, liveFeed }: ProductRuntime): ProductContext {
  const loaders = createProductLoaders(models);
  const { principal } = base;
  return {
    ...base,
    loaders,
    catalog: { listProducts: (args) => listProducts(models, args) },
    pricing: {
      schedulePrice: (input) => schedulePrice(models, principal, input),
      priceCart: (input) => priceCart(models, loaders, input),
      promotionsInForce: (at) => promotionsInForce(models.promotions, at),
      createPromotion: (input) => createPromotion(models, principal, input),
      redeemCoupons: async (input) => {
        requireCouponUse(principal);
        return redeemCoupons(models, {
          key: identifier(input.key, 'key'),
          customerId: input.customerId ? identifier(input.customerId, 'customerId') : undefined,
          codes: input.codes.map((code) => identifier(code, 'codes')),
          at: input.at ?? new Date(),
        });
      },
      releaseCoupons: async (key, codes) => {
        requireCouponUse(principal);
        return releaseCoupons(
          models,
          identifier(key, 'key'),
          codes.map((code) => identifier(code, 'codes')),
        );
      },
      watchPriceChanges: async (args) => watchPriceChanges(await liveFeed(), args),
    },
  };
}
