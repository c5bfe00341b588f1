import type { ProductModels } from '../models/index.js';
import { customerCounter, type CouponRecord, type CouponRedemptionRecord } from './coupon.model.js';
import { inForce } from './promotion-rules.js';
import type { PromotionRecord } from './promotion.model.js';

/** Why a coupon cannot be used (stable codes, also errors.ts). */
export type CouponRefusal = 'COUPON_UNKNOWN' | 'COUPON_NOT_IN_FORCE' | 'COUPON_EXHAUSTED' | 'COUPON_CUSTOMER_LIMIT' | 'COUPON_NEEDS_CUSTOMER';

export interface CouponVerdict {
  readonly code: string;
  readonly refusal: CouponRefusal | null;
}

/** Coupon codes are case-insensitive: stored and compared upper case. */
export const normaliseCode = (code: string) => code.trim().toUpperCase();

/**
 * Whether `coupon` could be redeemed now by `customerId` at `at` (a preview: priceCart). The
 * redemption itself re-checks the limits in its guarded update.
 */
export function checkCoupon(
  code: string,
  coupon: CouponRecord | undefined,
  promotion: PromotionRecord | undefined,
  customerId: string | undefined,
  at: Date,
): CouponVerdict {
  if (!coupon || !promotion) return { code, refusal: 'COUPON_UNKNOWN' };
  if (!inForce(promotion, at)) return { code, refusal: 'COUPON_NOT_IN_FORCE' };
  if (coupon.uses >= coupon.maxUses) return { code, refusal: 'COUPON_EXHAUSTED' };
  if (coupon.perCustomerLimit !== undefined) {
    if (!customerId) return { code, refusal: 'COUPON_NEEDS_CUSTOMER' };
    if ((coupon.byCustomer[customerCounter(customerId)] ?? 0) >= coupon.perCustomerLimit) return { code, refusal: 'COUPON_CUSTOMER_LIMIT' };
  }
  return { code, refusal: null };
}

/**
 * Uses each coupon once for the sale `key` (an order id), all or none: one guarded update per
 * coupon (`uses` below `maxUses`, the customer's count below the limit, the key not there yet),
 * so of any number of concurrent redemptions no more than `maxUses` succeed. A repeat with the
 * same key finds its redemption and succeeds again without counting twice. When one coupon is
 * refused, the ones this call redeemed are given back and the refusal is returned. Each use
 * waits for its order (`awaitingOrder`) until `order.order-placed` confirms it (confirmOrderCoupons).
 */
export async function redeemCoupons(
  models: ProductModels,
  request: { key: string; customerId?: string | undefined; codes: readonly string[]; at: Date },
): Promise<CouponVerdict[]> {
  const codes = [...new Set(request.codes.map(normaliseCode))];
  const checks: CouponVerdict[] = [];
  const redeemed: string[] = [];
  for (const code of codes) {
    const refusal = await redeemOne(models, code, request);
    checks.push({ code, refusal });
    if (refusal) {
      for (const done of redeemed) await releaseOne(models, done, request.key);
      return checks;
    }
    redeemed.push(code);
  }
  return checks;
}

async function redeemOne(
  models: ProductModels,
  code: string,
  request: { key: string; customerId?: string | undefined; at: Date },
): Promise<CouponRefusal | null> {
  const coupon = await models.coupons
    .findById(code, { redemptions: { $elemMatch: { key: request.key } }, maxUses: 1, uses: 1, perCustomerLimit: 1, byCustomer: 1, promotionId: 1 })
    .lean<CouponRecord>();
  const promotion = coupon ? await models.promotions.findById(coupon.promotionId).lean<PromotionRecord>() : null;
  if (coupon?.redemptions?.length) return null;
  const check = checkCoupon(code, coupon ?? undefined, promotion ?? undefined, request.customerId, request.at);
  if (check.refusal) return check.refusal;
  const counter = request.customerId ? `byCustomer.${customerCounter(request.customerId)}` : null;
  const limit = coupon!.perCustomerLimit;
  const guard = {
    _id: code,
    uses: { $lt: coupon!.maxUses },
    'redemptions.key': { $ne: request.key },
    ...(counter && limit !== undefined ? { [counter]: { $not: { $gte: limit } } } : {}),
  };
  const update = {
    $inc: { uses: 1, ...(counter ? { [counter]: 1 } : {}) },
    $push: { redemptions: { key: request.key, ...(request.customerId ? { customerId: request.customerId } : {}), at: request.at, awaitingOrder: true } },
  };
  const written = await models.coupons.updateOne(guard, update);
  if (written.modifiedCount === 1) return null;
  // Lost a race: to the same key (done), or to other sales (a limit reached).
  const now = await models.coupons.findById(code).lean<CouponRecord>();
  if (now?.redemptions.some((redemption) => redemption.key === request.key)) return null;
  return checkCoupon(code, now ?? undefined, promotion ?? undefined, request.customerId, request.at).refusal ?? 'COUPON_EXHAUSTED';
}

/**
 * Gives back every coupon use of the sale `key` (its order was cancelled or rejected). Idempotent:
 * each release is guarded on the redemption still being there, so a repeat changes nothing.
 * Returns how many uses were given back.
 */
export async function releaseCoupons(models: ProductModels, key: string, codes: readonly string[]): Promise<number> {
  let released = 0;
  for (const code of new Set(codes.map(normaliseCode))) released += await releaseOne(models, code, key);
  return released;
}

async function releaseOne(models: ProductModels, code: string, key: string): Promise<number> {
  const coupon = await models.coupons.findById(code, { redemptions: { $elemMatch: { key } } }).lean<CouponRecord>();
  const redemption = coupon?.redemptions?.[0];
  return redemption ? giveBack(models, code, redemption, { 'redemptions.key': key }) : 0;
}

/**
 * Gives back the use `redemption` of coupon `code`, in one update guarded on `guard` (which must
 * match only while the redemption is there): 1 when this call gave it back, 0 when it was gone.
 */
export async function giveBack(models: ProductModels, code: string, redemption: CouponRedemptionRecord, guard: Record<string, unknown>): Promise<number> {
  const counter = redemption.customerId ? { [`byCustomer.${customerCounter(redemption.customerId)}`]: -1 } : {};
  const written = await models.coupons.updateOne({ _id: code, ...guard }, { $inc: { uses: -1, ...counter }, $pull: { redemptions: { key: redemption.key } } });
  return written.modifiedCount;
}

/**
 * Marks the uses of the sale `key` (an order id) as belonging to a stored order (`order.order-placed`
 * arrived): the sweep leaves them alone from now on. Idempotent. Returns how many were waiting.
 */
export async function confirmOrderCoupons(models: ProductModels, key: string, codes: readonly string[]): Promise<number> {
  let confirmed = 0;
  for (const code of new Set(codes.map(normaliseCode))) {
    // An array filter rather than the positional `$`: the embedded database does not resolve `$` from an $elemMatch.
    const written = await models.coupons.updateOne(
      { _id: code, redemptions: { $elemMatch: { key, awaitingOrder: true } } },
      { $unset: { 'redemptions.$[use].awaitingOrder': '' } },
      { arrayFilters: [{ 'use.key': key, 'use.awaitingOrder': true }] },
    );
    confirmed += written.modifiedCount;
  }
  return confirmed;
}

/** The codes of the coupons holding a use of the sale `key` (read through the index on redemptions.key). */
export async function usesOfSale(models: ProductModels, key: string): Promise<string[]> {
  const coupons = await models.coupons.find({ 'redemptions.key': key }, { _id: 1 }).lean<{ _id: string }[]>();
  return coupons.map((coupon) => coupon._id);
}

/** Gives back every coupon use redeemed under the sale `key`, whatever the codes (an order's rejection or cancellation). */
export async function releaseCouponsOfSale(models: ProductModels, key: string): Promise<number> {
  return releaseCoupons(models, key, await usesOfSale(models, key));
}
