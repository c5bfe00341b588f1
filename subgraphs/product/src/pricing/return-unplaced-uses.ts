import type { ProductModels } from '../models/index.js';
import type { CouponRecord } from './coupon.model.js';
import { giveBack } from './redeem-coupons.service.js';

/** Most uses one pass gives back (a backlog drains over several passes). */
const MAX_PER_PASS = 500;

/** A redemption still waiting for its order that was taken before `cutoff`. */
const overdue = (cutoff: Date) => ({ $elemMatch: { awaitingOrder: true, at: { $lt: cutoff } } });

/** True when some coupon use taken before `cutoff` still waits for its order (one read through the index on redemptions.awaitingOrder). */
export async function anyUnplacedUse(models: ProductModels, cutoff: Date): Promise<boolean> {
  return (await models.coupons.exists({ redemptions: overdue(cutoff) })) !== null;
}

/**
 * Gives back every coupon use still waiting for its order (`awaitingOrder`) that was taken before
 * `cutoff`: its order was never stored (the placing process died between redeeming and storing)
 * or `order.order-placed` would have confirmed it by now. Each use goes back in one update guarded
 * on it still waiting, so however many sweeps run at once, it goes back exactly once; a use that
 * is confirmed meanwhile stays. Returns how many uses this call gave back.
 */
export async function returnUnplacedUses(models: ProductModels, cutoff: Date): Promise<number> {
  const waiting = overdue(cutoff);
  const coupons = await models.coupons.find({ redemptions: waiting }, { _id: 1 }).lean<{ _id: string }[]>();
  let returned = 0;
  let seen = 0;
  for (const { _id: code } of coupons) {
    for (;;) {
      if (seen >= MAX_PER_PASS) return returned;
      // One stale use at a time: a coupon holds thousands of redemptions, of which few wait.
      const coupon = await models.coupons.findOne({ _id: code, redemptions: waiting }, { redemptions: waiting }).lean<CouponRecord>();
      const redemption = coupon?.redemptions?.[0];
      if (!redemption) break;
      seen += 1;
      const gone = await giveBack(models, code, redemption, { redemptions: { $elemMatch: { key: redemption.key, awaitingOrder: true } } });
      returned += gone;
      // Another sweep gave it back first: it is gone either way, so the next read finds the next one.
    }
  }
  return returned;
}
