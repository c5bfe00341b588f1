import { money } from '@mesh/server-kit';
import { requireCatalogRead } from '../access.js';
import type { PriceChangeView } from '../pricing/watch-price-changes.service.js';
import type {
  PriceChangeResolvers,
  SubscriptionResolvers,
  AppliedPromotionResolvers,
  LineDiscountResolvers,
  PricedCartLineResolvers,
  PricedCartResolvers,
  PromotionResolvers,
} from '../__generated__/resolvers-types.js';

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

export const Subscription: SubscriptionResolvers = {
  priceChanged: {
    subscribe: (_root, args, { principal, pricing }) => {
      requireCatalogRead(principal);
      return pricing.watchPriceChanges(args);
    },
    // The stream's last value may be an Error (slow reader, feed failure): it becomes the event's error.
    resolve: (payload: PriceChangeView | Error) => {
      if (payload instanceof Error) throw payload;
      return payload;
    },
  },
};

export const PriceChange: PriceChangeResolvers = {
  variant: (change, _args, { loaders }) => (change.sku ? loaders.variantBySku.load(change.sku) : null),
  previous: (change) => (change.previousMinor !== null && change.currency ? money(change.previousMinor, change.currency) : null),
  current: (change) => (change.currentMinor !== null && change.currency ? money(change.currentMinor, change.currency) : null),
};
