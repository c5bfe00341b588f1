import type { CurrencyCode } from '@mesh/server-kit';
import type { LoyaltyTier, PromotionKind, PromotionStacking, SalesChannel } from '../__generated__/schema-types.js';

/** Who and what a promotion is for. An empty or absent list does not narrow. */
export interface PromotionScope {
  channels?: SalesChannel[];
  storeIds?: string[];
  /** With categories: a line is eligible when its SKU is listed or its category is. */
  skus?: string[];
  categories?: string[];
  tiers?: LoyaltyTier[];
}

/**
 * A promotion's rule, as evaluated (stored as is in the promotion document). The parameters a
 * kind reads:
 * - PERCENT_OFF: `percent` (1 to 100) off each eligible line;
 * - AMOUNT_OFF: `amountMinor` off each eligible unit (never below zero);
 * - FIXED_PRICE: eligible units sell for `amountMinor` each (when that is lower);
 * - BUY_X_GET_Y: of every `buyQuantity` + `getQuantity` eligible units, the `getQuantity` cheapest are free;
 * - BUNDLE_PRICE: one of each of `bundleSkus` together cost `amountMinor` (as many bundles as the cart holds);
 * - SPEND_THRESHOLD: `amountMinor` off when the eligible lines come to `thresholdMinor` or more.
 * Money parameters are in `currency`: such a promotion applies only to carts in that currency.
 */
export interface PromotionRule {
  id: string;
  name: string;
  kind: PromotionKind;
  percent?: number;
  amountMinor?: number;
  thresholdMinor?: number;
  buyQuantity?: number;
  getQuantity?: number;
  bundleSkus?: string[];
  currency?: CurrencyCode;
  scope: PromotionScope;
  startsAt: Date;
  endsAt: Date;
  /** Higher first. */
  priority: number;
  stacking: PromotionStacking;
  /** Set when the promotion applies only to carts presenting this coupon code. */
  couponCode?: string;
}

/** True when the promotion is in force at `at` (start inclusive, end exclusive). */
export function inForce(rule: Pick<PromotionRule, 'startsAt' | 'endsAt'>, at: Date): boolean {
  return rule.startsAt.getTime() <= at.getTime() && at.getTime() < rule.endsAt.getTime();
}

/** True when some value may satisfy both lists (an absent or empty list allows everything). */
function intersects<T>(a: readonly T[] | undefined, b: readonly T[] | undefined): boolean {
  if (!a?.length || !b?.length) return true;
  return a.some((value) => b.includes(value));
}

/** What decides whether two promotions can meet. */
export type PromotionReach = Pick<PromotionRule, 'startsAt' | 'endsAt' | 'scope'>;

/**
 * True when two promotions can apply to the same sale at the same time: their periods overlap and
 * no scope dimension (channel, store, tier) keeps them apart. Two EXCLUSIVE promotions for which
 * this holds are refused (PROMOTION_EXCLUSIVE_OVERLAP): which one wins would otherwise be a matter
 * of priority alone, which retailers find surprising.
 */
export function canMeet(a: PromotionReach, b: PromotionReach): boolean {
  const overlapInTime = a.startsAt.getTime() < b.endsAt.getTime() && b.startsAt.getTime() < a.endsAt.getTime();
  const itemsMeet =
    (!a.scope.skus?.length && !a.scope.categories?.length) ||
    (!b.scope.skus?.length && !b.scope.categories?.length) ||
    intersects(a.scope.skus, b.scope.skus) ||
    intersects(a.scope.categories, b.scope.categories);
  return (
    overlapInTime &&
    intersects(a.scope.channels, b.scope.channels) &&
    intersects(a.scope.storeIds, b.scope.storeIds) &&
    intersects(a.scope.tiers, b.scope.tiers) &&
    itemsMeet
  );
}
