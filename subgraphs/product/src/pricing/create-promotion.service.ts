import { isDuplicateKey } from '@mesh/events';
import { badUserInput, boundedList, boundedText, identifier, type Principal } from '@mesh/server-kit';
import { requirePricingWrite } from '../access.js';
import type { CreatePromotionInput } from '../__generated__/schema-types.js';
import { productError, type ProductErrorCode } from '../errors.js';
import type { ProductModels } from '../models/index.js';
import type { CouponRecord } from './coupon.model.js';
import { claimExclusive, withdrawClaim } from './exclusive-claims.js';
import type { PromotionRule } from './promotion-rules.js';
import type { PromotionRecord } from './promotion.model.js';
import { normaliseCode } from './redeem-coupons.service.js';

/** Why a promotion's own parameters are refused, or null when they make sense for its kind. */
function parameterProblem(rule: PromotionRule): ProductErrorCode | null {
  const positive = (value: number | undefined) => value !== undefined && Number.isSafeInteger(value) && value > 0;
  if (rule.endsAt.getTime() <= rule.startsAt.getTime()) return 'PROMOTION_PERIOD_EMPTY';
  switch (rule.kind) {
    case 'PERCENT_OFF':
      return rule.percent !== undefined && Number.isInteger(rule.percent) && rule.percent >= 1 && rule.percent <= 100 ? null : 'PROMOTION_PERCENT_OUT_OF_RANGE';
    case 'AMOUNT_OFF':
    case 'FIXED_PRICE':
      return positive(rule.amountMinor) && rule.currency ? null : 'PROMOTION_AMOUNT_NOT_POSITIVE';
    case 'SPEND_THRESHOLD':
      return positive(rule.amountMinor) && positive(rule.thresholdMinor) && rule.currency ? null : 'PROMOTION_AMOUNT_NOT_POSITIVE';
    case 'BUNDLE_PRICE':
      if (!positive(rule.amountMinor) || !rule.currency) return 'PROMOTION_AMOUNT_NOT_POSITIVE';
      return (rule.bundleSkus?.length ?? 0) >= 2 ? null : 'PROMOTION_PARAMETERS_MISSING';
    case 'BUY_X_GET_Y':
      return positive(rule.buyQuantity) && positive(rule.getQuantity) ? null : 'PROMOTION_PARAMETERS_MISSING';
  }
}

/**
 * Creates a promotion (Mutation.createPromotion), and its coupon when it has a code. Refused, with
 * nothing written: parameters that make no sense for the kind (a percentage outside 1 to 100, an
 * amount of zero...), an empty period, a coupon code in use, and an EXCLUSIVE promotion that can
 * meet another EXCLUSIVE one (promotion-rules.ts canMeet). Idempotent by `idempotencyKey`.
 * Exclusive promotions created at the same instant are checked against each other too: each first
 * claims its reach in one shared document with a compare-and-set (exclusive-claims.ts).
 */
export async function createPromotion(models: ProductModels, principal: Principal, input: CreatePromotionInput, now = new Date()): Promise<PromotionRecord> {
  requirePricingWrite(principal, 'create promotions');
  const key = identifier(input.idempotencyKey, 'idempotencyKey');
  const repeated = await models.promotions.findOne({ key }).lean<PromotionRecord>();
  if (repeated) return repeated;
  const id = identifier(input.id, 'id');
  const list = <T>(values: readonly T[] | null | undefined, name: string) => (values?.length ? [...(boundedList(values, name) ?? [])] : undefined);
  const couponCode = input.coupon ? normaliseCode(identifier(input.coupon.code, 'coupon.code')) : undefined;
  const rule: PromotionRule = {
    id,
    name: boundedText(input.name, 'name', 200) ?? id,
    kind: input.kind,
    ...(input.percent != null ? { percent: input.percent } : {}),
    ...(input.amountMinor != null ? { amountMinor: Number(input.amountMinor) } : {}),
    ...(input.thresholdMinor != null ? { thresholdMinor: Number(input.thresholdMinor) } : {}),
    ...(input.buyQuantity != null ? { buyQuantity: input.buyQuantity } : {}),
    ...(input.getQuantity != null ? { getQuantity: input.getQuantity } : {}),
    ...(input.bundleSkus?.length ? { bundleSkus: list(input.bundleSkus, 'bundleSkus')!.map((sku) => identifier(sku, 'bundleSkus')) } : {}),
    ...(input.currency ? { currency: input.currency } : {}),
    scope: {
      ...(input.scope?.channels?.length ? { channels: list(input.scope.channels, 'scope.channels') } : {}),
      ...(input.scope?.storeIds?.length ? { storeIds: list(input.scope.storeIds, 'scope.storeIds')!.map((store) => identifier(store, 'scope.storeIds')) } : {}),
      ...(input.scope?.skus?.length ? { skus: list(input.scope.skus, 'scope.skus')!.map((sku) => identifier(sku, 'scope.skus')) } : {}),
      ...(input.scope?.categories?.length
        ? { categories: list(input.scope.categories, 'scope.categories')!.map((category) => boundedText(category, 'scope.categories', 100)!) }
        : {}),
      ...(input.scope?.tiers?.length ? { tiers: list(input.scope.tiers, 'scope.tiers') } : {}),
    },
    startsAt: input.startsAt,
    endsAt: input.endsAt,
    priority: input.priority ?? 0,
    stacking: input.stacking,
    ...(couponCode ? { couponCode } : {}),
  };
  const problem = parameterProblem(rule);
  if (problem) throw productError(problem, { promotionId: id });
  if (input.coupon && !(input.coupon.maxUses >= 1)) throw badUserInput('coupon.maxUses must be at least 1', { argument: 'coupon.maxUses' });
  if (input.coupon?.perCustomerLimit != null && !(input.coupon.perCustomerLimit >= 1))
    throw badUserInput('coupon.perCustomerLimit must be at least 1', { argument: 'coupon.perCustomerLimit' });
  if (await models.promotions.exists({ _id: id })) throw productError('PROMOTION_ID_TAKEN', { promotionId: id });
  if (couponCode && (await models.coupons.exists({ _id: couponCode }))) throw productError('COUPON_CODE_TAKEN', { code: couponCode });
  if (rule.stacking === 'EXCLUSIVE') await claimExclusive(models, rule, key, now);
  try {
    return await store(models, principal, input, rule, key, now);
  } catch (error) {
    // Refused after claiming (a coupon code or id taken meanwhile): the claim goes with it.
    if (rule.stacking === 'EXCLUSIVE' && !(await models.promotions.exists({ key }))) await withdrawClaim(models, key);
    throw error;
  }
}

/** Writes the coupon (if any), then the promotion; a repeat of `key` that won a race answers with the winner. */
async function store(
  models: ProductModels,
  principal: Principal,
  input: CreatePromotionInput,
  rule: PromotionRule,
  key: string,
  now: Date,
): Promise<PromotionRecord> {
  const id = rule.id;
  const couponCode = rule.couponCode;
  const record: PromotionRecord = { _id: id, ...withoutId(rule), key, createdAt: now, createdBy: principal.subject ?? principal.role };
  // The coupon first: a promotion without its coupon would be unusable, a coupon without its promotion is COUPON_UNKNOWN.
  if (couponCode && input.coupon) {
    const coupon: CouponRecord = {
      _id: couponCode,
      promotionId: id,
      maxUses: input.coupon.maxUses,
      ...(input.coupon.perCustomerLimit != null ? { perCustomerLimit: input.coupon.perCustomerLimit } : {}),
      uses: 0,
      byCustomer: {},
      redemptions: [],
      createdAt: now,
    };
    await models.coupons.create(coupon).catch((error: unknown) => {
      throw isDuplicateKey(error) ? productError('COUPON_CODE_TAKEN', { code: couponCode }) : error;
    });
  }
  try {
    return (await models.promotions.create(record)).toObject<PromotionRecord>();
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    const winner = await models.promotions.findOne({ key }).lean<PromotionRecord>();
    if (winner) return winner;
    throw productError('PROMOTION_ID_TAKEN', { promotionId: id });
  }
}

function withoutId(rule: PromotionRule): Omit<PromotionRule, 'id'> {
  const { id: _id, ...rest } = rule;
  return rest;
}
