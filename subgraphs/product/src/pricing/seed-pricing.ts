import { isDuplicateKey } from '@mesh/events';
import type { CouponRecord } from './coupon.model.js';
import type { PromotionRecord } from './promotion.model.js';
import type { ProductModels } from '../models/index.js';

const DAY = 24 * 3600_000;

/** Saturday 00:00 UTC of the weekend after `now` (or of this weekend, while it lasts). */
function weekendOf(now: Date): { startsAt: Date; endsAt: Date } {
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const day = now.getUTCDay();
  const saturday = day === 6 ? midnight : day === 0 ? midnight - DAY : midnight + (6 - day) * DAY;
  return { startsAt: new Date(saturday), endsAt: new Date(saturday + 2 * DAY) };
}

/**
 * The seeded promotions, realistic and mostly out of the way of the seeded workflows (till sales
 * are replayed at their own prices; the web, app and marketplace orders of Gold and Platinum
 * members get their 10%, as placeOrder prices with the customer's tier):
 * - promo_weekend_stores: the coming weekend, 20% off Apparel at the tills (channel POS);
 * - promo_loyalty_gold: all year, 10% off everything for GOLD and PLATINUM members (combinable);
 * - promo_welcome10: 10% off with coupon WELCOME10, 10,000 uses, once per customer.
 */
export function seededPromotions(now: Date): { promotions: PromotionRecord[]; coupons: CouponRecord[] } {
  const seeded = { createdAt: now, createdBy: 'seed' };
  const year = { startsAt: new Date(Date.UTC(now.getUTCFullYear(), 0, 1)), endsAt: new Date(Date.UTC(now.getUTCFullYear() + 1, 0, 1)) };
  const promotions: PromotionRecord[] = [
    {
      _id: 'promo_weekend_stores',
      key: 'seed:promo_weekend_stores',
      name: 'Weekend sale in stores: 20% off apparel',
      kind: 'PERCENT_OFF',
      percent: 20,
      scope: { channels: ['POS'], categories: ['Apparel'] },
      ...weekendOf(now),
      priority: 20,
      stacking: 'EXCLUSIVE',
      ...seeded,
    },
    {
      _id: 'promo_loyalty_gold',
      key: 'seed:promo_loyalty_gold',
      name: 'Gold and Platinum members: 10% off',
      kind: 'PERCENT_OFF',
      percent: 10,
      scope: { tiers: ['GOLD', 'PLATINUM'] },
      ...year,
      priority: 5,
      stacking: 'COMBINABLE',
      ...seeded,
    },
    {
      _id: 'promo_welcome10',
      key: 'seed:promo_welcome10',
      name: 'Welcome: 10% off your first order',
      kind: 'PERCENT_OFF',
      percent: 10,
      scope: {},
      ...year,
      priority: 1,
      stacking: 'COMBINABLE',
      couponCode: 'WELCOME10',
      ...seeded,
    },
  ];
  const coupons: CouponRecord[] = [
    { _id: 'WELCOME10', promotionId: 'promo_welcome10', maxUses: 10_000, perCustomerLimit: 1, uses: 0, byCustomer: {}, redemptions: [], createdAt: now },
  ];
  return { promotions, coupons };
}

/** Inserts the seeded promotions and coupons that are not there yet. */
export async function seedPromotions(models: ProductModels, now: Date): Promise<number> {
  const { promotions, coupons } = seededPromotions(now);
  const tolerate = (error: unknown) => {
    if (!isDuplicateKey(error)) throw error;
  };
  await models.coupons.insertMany(coupons, { ordered: false }).catch(tolerate);
  await models.promotions.insertMany(promotions, { ordered: false }).catch(tolerate);
  return promotions.length;
}
