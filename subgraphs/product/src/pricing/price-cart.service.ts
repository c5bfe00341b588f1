import { badUserInput, identifier, notFound, positiveQuantity } from '@mesh/server-kit';
import type { CartInput } from '../__generated__/schema-types.js';
import { productError } from '../errors.js';
import type { ProductLoaders } from '../loaders.js';
import type { ProductModels } from '../models/index.js';
import type { CouponRecord } from './coupon.model.js';
import { evaluateCart, type AppliedPromotion, type CartLine, type EvaluatedCart, type EvaluatedLine, type LineDiscount } from './evaluate-cart.js';
import { promotionsInForce, ruleOf, type PromotionRecord } from './promotion.model.js';
import { checkCoupon, normaliseCode, type CouponVerdict } from './redeem-coupons.service.js';
import { resolvePrice } from './resolve-price.js';

export const MAX_CART_LINES = 50;
export const MAX_CART_LINE_QUANTITY = 1000;
const MAX_COUPONS = 5;

/** A priced cart: the evaluation, with the setting it was priced in and the verdict on each coupon. */
export interface PricedCartResult extends EvaluatedCart {
  readonly currency: CartInput['currency'];
  readonly pricedAt: Date;
  readonly coupons: readonly CouponVerdict[];
}

/** The graph's views of the parts of a priced cart: each carries the cart's currency. */
export type PricedCartLineView = EvaluatedLine & { readonly currency: CartInput['currency']; readonly lineNumber: number };
export type LineDiscountView = LineDiscount & { readonly currency: CartInput['currency'] };
export type AppliedPromotionView = AppliedPromotion & { readonly currency: CartInput['currency'] };

/**
 * Prices a cart (Query.priceCart; placeOrder and the till check call it too): list prices from the
 * price lists at `at` (default now) for the cart's channel, store and tier, then the promotions in
 * force by the one rule (evaluate-cart.ts). A coupon that cannot be used is reported with its code
 * in `coupons` and unlocks nothing; it is not redeemed here. Reads only: nothing changes.
 * NOT_FOUND for an unknown SKU, NOT_SOLD for a SKU with no price there and then.
 */
export async function priceCart(models: ProductModels, loaders: ProductLoaders, input: CartInput, now = new Date()): Promise<PricedCartResult> {
  const at = input.at ?? now;
  if (input.lines.length < 1 || input.lines.length > MAX_CART_LINES) throw badUserInput(`lines must hold 1 to ${MAX_CART_LINES} lines`, { argument: 'lines' });
  if ((input.couponCodes?.length ?? 0) > MAX_COUPONS) throw badUserInput(`at most ${MAX_COUPONS} coupon codes`, { argument: 'couponCodes' });
  const seen = new Set<string>();
  input.lines.forEach((line, index) => {
    identifier(line.sku, `lines[${index}].sku`);
    positiveQuantity(line.quantity, `lines[${index}].quantity`, MAX_CART_LINE_QUANTITY);
    if (seen.has(line.sku)) throw badUserInput(`SKU ${line.sku} appears on more than one line`, { argument: 'lines' });
    seen.add(line.sku);
  });
  const storeId = input.storeId ? identifier(input.storeId, 'storeId') : undefined;
  const customerId = input.customerId ? identifier(input.customerId, 'customerId') : undefined;
  const codes = [...new Set((input.couponCodes ?? []).map((code) => normaliseCode(identifier(code, 'couponCodes'))))];

  const [lines, promotions, coupons] = await Promise.all([
    cartLines(loaders, input, storeId, at),
    promotionsInForce(models.promotions, at),
    codes.length ? models.coupons.find({ _id: { $in: codes } }, { redemptions: 0 }).lean<CouponRecord[]>() : Promise.resolve([]),
  ]);
  const promotionById = new Map(promotions.map((promotion) => [promotion._id, promotion]));
  const couponByCode = new Map(coupons.map((coupon) => [coupon._id, coupon]));
  const checks = await Promise.all(
    codes.map(async (code) => {
      const coupon = couponByCode.get(code);
      // A coupon whose promotion is not in force at `at` is not among `promotions`: read it to say why.
      const promotion = coupon
        ? (promotionById.get(coupon.promotionId) ?? (await models.promotions.findById(coupon.promotionId).lean<PromotionRecord>()) ?? undefined)
        : undefined;
      return checkCoupon(code, coupon, promotion, customerId, at);
    }),
  );
  const accepted = new Set(checks.filter((check) => check.refusal === null).map((check) => check.code));
  const evaluated = evaluateCart(
    lines,
    { currency: input.currency, channel: input.channel, storeId, tier: input.tier ?? undefined, at, couponCodes: accepted },
    promotions.map(ruleOf),
  );
  return { ...evaluated, currency: input.currency, pricedAt: at, coupons: checks };
}

async function cartLines(loaders: ProductLoaders, input: CartInput, storeId: string | undefined, at: Date): Promise<CartLine[]> {
  const skus = input.lines.map((line) => line.sku);
  const [variants, lists] = await Promise.all([loaders.variantBySku.loadMany(skus), loaders.priceListsBySku.loadMany(skus)]);
  return Promise.all(
    input.lines.map(async (line, index) => {
      const variant = variants[index];
      const priceLists = lists[index];
      if (!variant || variant instanceof Error) throw notFound(`There is no SKU ${line.sku}`, { sku: line.sku });
      if (!priceLists || priceLists instanceof Error) throw priceLists ?? new Error(`no price lists read for ${line.sku}`);
      const price = resolvePrice(priceLists, { currency: input.currency, channel: input.channel, storeId, tier: input.tier, at });
      if (!price) throw productError('NOT_SOLD', { sku: line.sku, currency: input.currency, channel: input.channel });
      const product = await loaders.productById.load(variant.productId);
      return { sku: line.sku, quantity: line.quantity, unitListPriceMinor: price.amountMinor, category: product?.category ?? '' };
    }),
  );
}
