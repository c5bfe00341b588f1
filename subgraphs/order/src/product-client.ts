import { CORRELATION_ID_HEADER, GATEWAY_CREDENTIAL_HEADER, meshError, signGatewayCredential, type CurrencyCode, type Principal } from '@mesh/server-kit';
import { catalogUnavailable } from './errors.js';

/** What the order domain takes from the catalog for one SKU, in one currency. */
export interface CatalogVariant {
  readonly sku: string;
  /** Shelf price in the order's currency, or null when the SKU is not sold in it. */
  readonly priceMinor: number | null;
  /** Unit cost in the order's currency, or null when none is recorded. */
  readonly unitCostMinor: number | null;
}

/** The order domain's identity towards other subgraphs. */
export const ORDER_SERVICE_PRINCIPAL: Principal = Object.freeze({ role: 'admin', subject: 'service:order' });

type GraphQLAnswer<T> = { data?: T | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };

/**
 * One operation against the product subgraph as the order service. Errors the product domain
 * raised deliberately (NOT_FOUND, NOT_SOLD...) are re-raised with their code and extensions;
 * a slow or failing product subgraph is CATALOG_UNAVAILABLE (nothing was written: retry).
 */
async function askProduct<T>(productUrl: string, secret: Uint8Array, query: string, variables: Record<string, unknown>, correlationId: string): Promise<T> {
  const credential = await signGatewayCredential(ORDER_SERVICE_PRINCIPAL, secret);
  let response: Response;
  let body: GraphQLAnswer<T>;
  try {
    response = await fetch(productUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [GATEWAY_CREDENTIAL_HEADER]: credential, [CORRELATION_ID_HEADER]: correlationId },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(5000),
    });
    body = (await response.json()) as GraphQLAnswer<T>;
  } catch (error) {
    // Slow, restarting or unreachable: nothing was written yet, so the caller may simply retry.
    throw catalogUnavailable((error as Error).name === 'TimeoutError' ? 'no answer within 5 s' : (error as Error).message);
  }
  if (response.status >= 500) throw catalogUnavailable(`HTTP ${response.status}`);
  // The catalog's own transient refusal (its database restarting): as retryable for our caller.
  const transient = body.errors?.find((error) => error.extensions?.['retryable'] === true);
  if (transient) throw catalogUnavailable(String(transient.extensions?.['code'] ?? transient.message));
  const deliberate = body.errors?.find((error) => typeof error.extensions?.['code'] === 'string' && error.extensions['code'] !== 'INTERNAL_SERVER_ERROR');
  if (deliberate) throw meshError(String(deliberate.extensions!['code']), deliberate.message, { ...deliberate.extensions });
  if (!response.ok || body.errors?.length || !body.data) {
    throw new Error(`product subgraph answered ${response.status}: ${body.errors?.map((error) => error.message).join('; ') ?? 'no data'}`);
  }
  return body.data;
}

const VARIANTS = `query OrderPricing($skus: [ID!]!, $currency: CurrencyCode!) {
  variants(skus: $skus) { sku prices { minorUnits currency } unitCost(currency: $currency) { minorUnits } }
}`;

type VariantsData = { variants: ({ sku: string; prices: { minorUnits: string; currency: string }[]; unitCost: { minorUnits: string } | null } | null)[] };

/**
 * Reads prices and unit costs straight from the product subgraph (unitCost is @inaccessible, not in
 * the public graph), as the order service. Returns one entry per SKU asked, null for an unknown SKU.
 */
export async function fetchCatalogVariants(productUrl: string, secret: Uint8Array, skus: readonly string[], currency: CurrencyCode, correlationId: string): Promise<(CatalogVariant | null)[]> {
  const data = await askProduct<VariantsData>(productUrl, secret, VARIANTS, { skus, currency }, correlationId);
  return data.variants.map((variant) => {
    if (!variant) return null;
    const price = variant.prices.find((candidate) => candidate.currency === currency);
    return { sku: variant.sku, priceMinor: price ? Number(price.minorUnits) : null, unitCostMinor: variant.unitCost ? Number(variant.unitCost.minorUnits) : null };
  });
}

/** A basket as the product domain's priceCart takes it. */
export interface CartRequest {
  readonly currency: CurrencyCode;
  readonly channel: string;
  readonly storeId?: string;
  readonly customerId?: string;
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
export async function redeemOrderCoupons(productUrl: string, secret: Uint8Array, request: { orderId: string; customerId?: string; codes: readonly string[] }, correlationId: string) {
  const data = await askProduct<{ redeemCoupons: { code: string; refusal: string | null }[] }>(productUrl, secret, REDEEM, { input: { key: request.orderId, customerId: request.customerId, codes: request.codes } }, correlationId);
  return data.redeemCoupons;
}

/** Gives back the coupon uses of the order `orderId` (idempotent). */
export async function releaseOrderCoupons(productUrl: string, secret: Uint8Array, orderId: string, codes: readonly string[], correlationId: string): Promise<number> {
  const data = await askProduct<{ releaseCoupons: number }>(productUrl, secret, RELEASE, { key: orderId, codes }, correlationId);
  return data.releaseCoupons;
}
