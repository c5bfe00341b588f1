import type { CurrencyCode } from '@mesh/server-kit';
import type { LoyaltyTier } from './customer-client.js';
import { catalogUnavailable } from '../errors.js';
import { askSubgraph } from './subgraph-client.js';

/** What the order domain takes from the catalog for one SKU, in one currency. */
export interface CatalogVariant {
  readonly sku: string;
  /** Shelf price in the order's currency, or null when the SKU is not sold in it. */
  readonly priceMinor: number | null;
  /** Unit cost in the order's currency, or null when none is recorded. */
  readonly unitCostMinor: number | null;
}

/** One operation against the product subgraph as the order service; a slow or failing catalog is CATALOG_UNAVAILABLE. */
const askProduct = <T>(productUrl: string, secret: Uint8Array, query: string, variables: Record<string, unknown>, correlationId: string) =>
  askSubgraph<T>(productUrl, secret, query, variables, correlationId, catalogUnavailable);

const VARIANTS = `query OrderPricing($skus: [ID!]!, $currency: CurrencyCode!) {
  variants(skus: $skus) { sku prices { minorUnits currency } unitCost(currency: $currency) { minorUnits } }
}`;

type VariantsData = { variants: ({ sku: string; prices: { minorUnits: string; currency: string }[]; unitCost: { minorUnits: string } | null } | null)[] };

/**
 * Reads prices and unit costs straight from the product subgraph (unitCost is @inaccessible, not in
 * the public graph), as the order service. Returns one entry per SKU asked, null for an unknown SKU.
 */
export async function fetchCatalogVariants(
  productUrl: string,
  secret: Uint8Array,
  skus: readonly string[],
  currency: CurrencyCode,
  correlationId: string,
): Promise<(CatalogVariant | null)[]> {
  const data = await askProduct<VariantsData>(productUrl, secret, VARIANTS, { skus, currency }, correlationId);
  return data.variants.map((variant) => {
    if (!variant) return null;
    const price = variant.prices.find((candidate) => candidate.currency === currency);
    return {
      sku: variant.sku,
      priceMinor: price ? Number(price.minorUnits) : null,
      unitCostMinor: variant.unitCost ? Number(variant.unitCost.minorUnits) : null,
    };
  });
}

/** A basket as the product domain's priceCart takes it. */
export interface CartRequest {
  readonly currency: CurrencyCode;
  readonly channel: string;
  readonly storeId?: string;
  readonly customerId?: string;
  /** The customer's loyalty tier (tier price lists and tier promotions): the customer domain's, read by the order domain. */
  readonly tier?: LoyaltyTier;
  readonly couponCodes?: readonly string[];
  /** The instant to price at (ISO 8601); default now. */
  readonly at?: string;
  readonly lines: readonly { readonly sku: string; readonly quantity: number }[];
}

/** One priced line: its list price, what promotions took off it (and whose), and its unit cost. */
export interface PricedLine {
  readonly sku: string;
  readonly unitListPriceMinor: number;
  readonly discountMinor: number;
  readonly discounts: readonly { promotionId: string; amountMinor: number }[];
  readonly unitCostMinor: number | null;
}

/** A basket priced by the product domain's one rule (evaluate-cart.ts there). */
export interface CartPricing {
  readonly lines: readonly PricedLine[];
  readonly promotions: readonly { promotionId: string; name: string; couponCode?: string; amountMinor: number }[];
  readonly coupons: readonly { code: string; refusal: string | null }[];
}

const PRICE_CART = `query OrderCartPricing($cart: CartInput!, $skus: [ID!]!, $currency: CurrencyCode!) {
  priceCart(input: $cart) {
    lines { sku unitListPrice { minorUnits } discountTotal { minorUnits } discounts { promotionId amount { minorUnits } } }
    appliedPromotions { promotionId name couponCode amount { minorUnits } }
    coupons { code refusal }
  }
  variants(skus: $skus) { sku unitCost(currency: $currency) { minorUnits } }
}`;

type Minor = { minorUnits: string };
type PriceCartData = {
  priceCart: {
    lines: { sku: string; unitListPrice: Minor; discountTotal: Minor; discounts: { promotionId: string; amount: Minor }[] }[];
    appliedPromotions: { promotionId: string; name: string; couponCode: string | null; amount: Minor }[];
    coupons: { code: string; refusal: string | null }[];
  };
  variants: ({ sku: string; unitCost: Minor | null } | null)[];
};

/**
 * Prices a basket with the product domain's priceCart (the same answer every channel gets) and
 * reads the unit costs, in one request. NOT_FOUND (unknown SKU) and NOT_SOLD come back with their codes.
 */
export async function fetchCartPricing(productUrl: string, secret: Uint8Array, cart: CartRequest, correlationId: string): Promise<CartPricing> {
  const skus = cart.lines.map((line) => line.sku);
  const data = await askProduct<PriceCartData>(productUrl, secret, PRICE_CART, { cart, skus, currency: cart.currency }, correlationId);
  return {
    lines: data.priceCart.lines.map((line, index) => ({
      sku: line.sku,
      unitListPriceMinor: Number(line.unitListPrice.minorUnits),
      discountMinor: Number(line.discountTotal.minorUnits),
      discounts: line.discounts.map((discount) => ({ promotionId: discount.promotionId, amountMinor: Number(discount.amount.minorUnits) })),
      unitCostMinor: data.variants[index]?.unitCost ? Number(data.variants[index].unitCost.minorUnits) : null,
    })),
    promotions: data.priceCart.appliedPromotions.map((applied) => ({
      promotionId: applied.promotionId,
      name: applied.name,
      ...(applied.couponCode ? { couponCode: applied.couponCode } : {}),
      amountMinor: Number(applied.amount.minorUnits),
    })),
    coupons: data.priceCart.coupons,
  };
}

const REDEEM = `mutation OrderCoupons($input: RedeemCouponsInput!) { redeemCoupons(input: $input) { code refusal } }`;
const RELEASE = `mutation OrderCouponsBack($key: String!, $codes: [String!]!) { releaseCoupons(key: $key, codes: $codes) }`;

/** Uses the coupons for the order `orderId`, all or none (the product domain's guarded updates); each code's refusal or null. */
export async function redeemOrderCoupons(
  productUrl: string,
  secret: Uint8Array,
  request: { orderId: string; customerId?: string; codes: readonly string[] },
  correlationId: string,
) {
  const data = await askProduct<{ redeemCoupons: { code: string; refusal: string | null }[] }>(
    productUrl,
    secret,
    REDEEM,
    { input: { key: request.orderId, customerId: request.customerId, codes: request.codes } },
    correlationId,
  );
  return data.redeemCoupons;
}

/** Gives back the coupon uses of the order `orderId` (idempotent). */
export async function releaseOrderCoupons(
  productUrl: string,
  secret: Uint8Array,
  orderId: string,
  codes: readonly string[],
  correlationId: string,
): Promise<number> {
  const data = await askProduct<{ releaseCoupons: number }>(productUrl, secret, RELEASE, { key: orderId, codes }, correlationId);
  return data.releaseCoupons;
}
