import type { Connection } from 'mongoose';
import { createOutboxModel, createProcessedEventModel, type OutboxModel, type ProcessedEventRecord } from '@mesh/events';
import type { Model } from 'mongoose';
import { registerCouponModel, type CouponModel } from '../pricing/coupon.model.js';
import { registerExclusiveClaimsModel, type ExclusiveClaimsModel } from '../pricing/exclusive-claims.js';
import { registerPriceListModel, type PriceListModel } from '../pricing/price-list.model.js';
import { registerPromotionModel, type PromotionModel } from '../pricing/promotion.model.js';
import { registerProductModel, type ProductModel } from './product.model.js';
import { registerVariantModel, type VariantModel } from './variant.model.js';

/** The product database: its collections, each with its indexes. */
export interface ProductModels {
  readonly products: ProductModel;
  readonly variants: VariantModel;
  /** One document per price scope with its whole timeline (pricing/price-list.model.ts). */
  readonly priceLists: PriceListModel;
  readonly promotions: PromotionModel;
  /** The one document exclusive promotions claim their reach in before they are stored (pricing/exclusive-claims.ts). */
  readonly exclusiveClaims: ExclusiveClaimsModel;
  /** One document per coupon code with its uses (pricing/coupon.model.ts). */
  readonly coupons: CouponModel;
  /** The events package's outbox (the relay needs one; price events ride in their price lists). */
  readonly outbox: OutboxModel;
  /** Events the order-events consumer has completed. */
  readonly processedEvents: Model<ProcessedEventRecord>;
}

export function createProductModels(connection: Connection): ProductModels {
  return {
    products: registerProductModel(connection),
    variants: registerVariantModel(connection),
    priceLists: registerPriceListModel(connection),
    promotions: registerPromotionModel(connection),
    exclusiveClaims: registerExclusiveClaimsModel(connection),
    coupons: registerCouponModel(connection),
    outbox: createOutboxModel(connection),
    processedEvents: createProcessedEventModel(connection),
  };
}
