import { formatDecimal, type CurrencyCode } from '@mesh/server-kit';
import type { LoyaltyTier, SalesChannel } from '../__generated__/schema-types.js';
import { allocate } from './allocate.js';
import { inForce, type PromotionRule } from './promotion-rules.js';

/** One cart line with its list price (from the price lists) and its SKU's category. */
export interface CartLine {
  readonly sku: string;
  readonly category: string;
  readonly quantity: number;
  readonly unitListPriceMinor: number;
}

/** Where, when and for whom the cart is priced, and the coupons it presents that were accepted. */
export interface CartSetting {
  readonly currency: CurrencyCode;
  readonly channel: SalesChannel;
  readonly storeId?: string | undefined;
  readonly tier?: LoyaltyTier | undefined;
  readonly at: Date;
  readonly couponCodes: ReadonlySet<string>;
}

/** What one promotion took off one line, in minor units. */
export interface LineDiscount {
  readonly promotionId: string;
  readonly amountMinor: number;
}

export interface EvaluatedLine extends CartLine {
  readonly listAmountMinor: number;
  readonly discounts: readonly LineDiscount[];
  readonly discountMinor: number;
  /** listAmountMinor - discountMinor: what the line sells for, before tax. */
  readonly netAmountMinor: number;
}

export interface AppliedPromotion {
  readonly promotionId: string;
  readonly name: string;
  readonly kind: PromotionRule['kind'];
  readonly couponCode?: string;
  readonly amountMinor: number;
  /** Why it applied, in words (e.g. "20% off 2 lines"). */
  readonly reason: string;
}

export interface EvaluatedCart {
  readonly lines: readonly EvaluatedLine[];
  /** In the order they applied. */
  readonly applied: readonly AppliedPromotion[];
  readonly subtotalMinor: number;
  readonly discountMinor: number;
  /** subtotal - discount = the sum of the lines' net amounts, exactly. */
  readonly totalMinor: number;
}

/**
 * THE pricing rule of every channel: priceCart, placeOrder and the till's batch check all call
 * this, with the promotions stored at the sale's instant. Pure: same input, same answer.
 *
 * A promotion is a candidate when it is in force at `at`, its money is in the cart's currency, the
 * cart's channel, store and tier are in its scope, and (if it has one) its coupon was presented.
 * Candidates are tried from the highest priority down (ties: by id). An EXCLUSIVE promotion applies
 * only if nothing applied before it, and then nothing applies after it; COMBINABLE ones apply one
 * after another, each on the amounts the ones before left. A promotion that would take nothing off
 * does not count as applied. Each discount is whole minor units on named lines, never more than
 * what is left of a line, so every line's net is >= 0 and the lines add up to the total exactly;
 * an order-level discount (spend threshold, bundle, buy X get Y) is split over the lines it came
 * from (allocate.ts), which is what a partial return refunds by.
 */
export function evaluateCart(lines: readonly CartLine[], setting: CartSetting, promotions: readonly PromotionRule[]): EvaluatedCart {
  const nets = lines.map((line) => line.unitListPriceMinor * line.quantity);
  const discounts: LineDiscount[][] = lines.map(() => []);
  const applied: AppliedPromotion[] = [];
  const candidates = promotions
    .filter((rule) => isCandidate(rule, setting))
    .sort((a, b) => b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const rule of candidates) {
    if (rule.stacking === 'EXCLUSIVE' && applied.length > 0) continue;
    const eligible = lines.map((line) => isEligible(rule, line));
    const { perLine, reason } = discountOf(rule, lines, nets, eligible);
    const amountMinor = perLine.reduce((sum, value) => sum + value, 0);
    if (amountMinor === 0) continue;
    perLine.forEach((value, index) => {
      if (value === 0) return;
      nets[index] = nets[index]! - value;
      discounts[index]!.push({ promotionId: rule.id, amountMinor: value });
    });
    applied.push({ promotionId: rule.id, name: rule.name, kind: rule.kind, ...(rule.couponCode ? { couponCode: rule.couponCode } : {}), amountMinor, reason });
    if (rule.stacking === 'EXCLUSIVE') break;
  }
  const evaluated = lines.map((line, index) => {
    const listAmountMinor = line.unitListPriceMinor * line.quantity;
    return { ...line, listAmountMinor, discounts: discounts[index]!, discountMinor: listAmountMinor - nets[index]!, netAmountMinor: nets[index]! };
  });
  const subtotalMinor = evaluated.reduce((sum, line) => sum + line.listAmountMinor, 0);
  const totalMinor = evaluated.reduce((sum, line) => sum + line.netAmountMinor, 0);
  return { lines: evaluated, applied, subtotalMinor, discountMinor: subtotalMinor - totalMinor, totalMinor };
}

function isCandidate(rule: PromotionRule, setting: CartSetting): boolean {
  const { scope } = rule;
  if (!inForce(rule, setting.at)) return false;
  if (rule.kind !== 'PERCENT_OFF' && rule.kind !== 'BUY_X_GET_Y' && rule.currency !== setting.currency) return false;
  if (scope.channels?.length && !scope.channels.includes(setting.channel)) return false;
  if (scope.storeIds?.length && (!setting.storeId || !scope.storeIds.includes(setting.storeId))) return false;
  if (scope.tiers?.length && (!setting.tier || !scope.tiers.includes(setting.tier))) return false;
  return !rule.couponCode || setting.couponCodes.has(rule.couponCode);
}

function isEligible(rule: PromotionRule, line: CartLine): boolean {
  const { skus, categories } = rule.scope;
  if (rule.kind === 'BUNDLE_PRICE') return rule.bundleSkus?.includes(line.sku) ?? false;
  if (!skus?.length && !categories?.length) return true;
  return (skus?.includes(line.sku) ?? false) || (categories?.includes(line.category) ?? false);
}

/** What `rule` takes off each line given what is left of them (`nets`), and why in words. */
function discountOf(
  rule: PromotionRule,
  lines: readonly CartLine[],
  nets: readonly number[],
  eligible: readonly boolean[],
): { perLine: number[]; reason: string } {
  const zero = lines.map(() => 0);
  const amount = rule.amountMinor ?? 0;
  const money = (minor: number) => (rule.currency ? `${formatDecimal(BigInt(minor), rule.currency)} ${rule.currency}` : String(minor));
  const count = eligible.filter(Boolean).length;
  switch (rule.kind) {
    case 'PERCENT_OFF': {
      const percent = rule.percent ?? 0;
      return {
        perLine: lines.map((_, i) => (eligible[i] ? Math.min(nets[i]!, Math.round((nets[i]! * percent) / 100)) : 0)),
        reason: `${percent}% off ${count} line(s)`,
      };
    }
    case 'AMOUNT_OFF':
      return {
        perLine: lines.map((line, i) => (eligible[i] ? Math.min(nets[i]!, amount * line.quantity) : 0)),
        reason: `${money(amount)} off each unit of ${count} line(s)`,
      };
    case 'FIXED_PRICE':
      return {
        perLine: lines.map((line, i) => (eligible[i] ? Math.max(0, nets[i]! - amount * line.quantity) : 0)),
        reason: `${money(amount)} each on ${count} line(s)`,
      };
    case 'BUY_X_GET_Y': {
      const buy = rule.buyQuantity ?? 0;
      const get = rule.getQuantity ?? 0;
      // Every eligible unit, dearest first (ties: line order): the last ones of each full group are free.
      const units = lines.flatMap((line, i) => (eligible[i] ? Array.from({ length: line.quantity }, () => ({ i, price: line.unitListPriceMinor })) : []));
      units.sort((a, b) => b.price - a.price || a.i - b.i);
      const free = Math.floor(units.length / (buy + get)) * get;
      const perLine = [...zero];
      for (const unit of units.slice(units.length - free)) perLine[unit.i] = perLine[unit.i]! + unit.price;
      return { perLine: perLine.map((value, i) => Math.min(value, nets[i]!)), reason: `buy ${buy} get ${get} free: ${free} unit(s) free` };
    }
    case 'BUNDLE_PRICE': {
      const skus = rule.bundleSkus ?? [];
      const indexOf = skus.map((sku) => lines.findIndex((line) => line.sku === sku));
      if (skus.length === 0 || indexOf.some((i) => i < 0)) return { perLine: zero, reason: '' };
      const bundles = Math.min(...indexOf.map((i) => lines[i]!.quantity));
      const saving = indexOf.reduce((sum, i) => sum + lines[i]!.unitListPriceMinor, 0) - amount;
      return spread(bundles * saving, nets, eligible, `${bundles} bundle(s) of ${skus.length} for ${money(amount)} each`);
    }
    case 'SPEND_THRESHOLD': {
      const spent = nets.reduce((sum, net, i) => (eligible[i] ? sum + net : sum), 0);
      if (spent < (rule.thresholdMinor ?? 0)) return { perLine: zero, reason: '' };
      return spread(amount, nets, eligible, `spend ${money(rule.thresholdMinor ?? 0)}, save ${money(amount)} (spent ${money(spent)})`);
    }
  }
}

/** An order-level discount split over the eligible lines in proportion to what is left of them. */
function spread(total: number, nets: readonly number[], eligible: readonly boolean[], reason: string): { perLine: number[]; reason: string } {
  const weights = nets.map((net, i) => (eligible[i] ? net : 0));
  const capped = Math.max(
    0,
    Math.min(
      total,
      weights.reduce((sum, weight) => sum + weight, 0),
    ),
  );
  return { perLine: allocate(capped, weights), reason };
}
