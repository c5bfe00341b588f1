import { money } from '@mesh/server-kit';
import type { AppliedPromotionResolvers, LineDiscountResolvers, PricedCartLineResolvers, PricedCartResolvers, PromotionResolvers } from '../__generated__/resolvers-types.js';

export const Promotion: PromotionResolvers = {
  id: (promotion) => promotion._id,
  scope: (promotion) => promotion.scope ?? {},
  amount: (promotion) => (promotion.amountMinor !== undefined && promotion.currency ? money(promotion.amountMinor, promotion.currency) : null),
  threshold: (promotion) => (promotion.thresholdMinor !== undefined && promotion.currency ? money(promotion.thresholdMinor, promotion.currency) : null),
  couponCode: (promotion) => promotion.couponCode ?? null,
};

export const PricedCart: PricedCartResolvers = {
  lines: (cart) => cart.lines.map((line, index) => ({ ...line, currency: cart.currency, lineNumber: index + 1 })),
  appliedPromotions: (cart) => cart.applied.map((applied) => ({ ...applied, currency: cart.currency })),
  subtotal: (cart) => money(cart.subtotalMinor, cart.currency),
  discountTotal: (cart) => money(cart.discountMinor, cart.currency),
  total: (cart) => money(cart.totalMinor, cart.currency),
};

export const PricedCartLine: PricedCartLineResolvers = {
  unitListPrice: (line) => money(line.unitListPriceMinor, line.currency),
  listAmount: (line) => money(line.listAmountMinor, line.currency),
  discounts: (line) => line.discounts.map((discount) => ({ ...discount, currency: line.currency })),
  discountTotal: (line) => money(line.discountMinor, line.currency),
  netAmount: (line) => money(line.netAmountMinor, line.currency),
};

export const LineDiscount: LineDiscountResolvers = {
  amount: (discount) => money(discount.amountMinor, discount.currency),
};

export const AppliedPromotion: AppliedPromotionResolvers = {
  amount: (applied) => money(applied.amountMinor, applied.currency),
  couponCode: (applied) => applied.couponCode ?? null,
};
