import type { CurrencyCode } from '@mesh/server-kit';
import {
  fetchCartPricing,
  fetchCatalogVariants,
  redeemOrderCoupons,
  releaseOrderCoupons,
  type CartPricing,
  type CartRequest,
  type CatalogVariant,
} from './product-client.js';

/**
 * The product subgraph as the order domain uses it, signed with the internal secret. Concurrent
 * identical reads share one request (a flash sale prices the same SKU a thousand times at once);
 * nothing is cached beyond the request in flight, so a price change applies to the next order.
 */
export class ProductCatalog {
  private readonly catalogReads = new Map<string, Promise<(CatalogVariant | null)[]>>();
  private readonly cartPricings = new Map<string, Promise<CartPricing>>();

  constructor(
    private readonly productUrl: string,
    private readonly secret: Uint8Array,
  ) {}

  /** Prices and costs of `skus` from the catalog, one entry per SKU (null for an unknown one); concurrent reads of the same SKUs share a request. */
  readVariants(skus: readonly string[], currency: CurrencyCode, correlationId: string): Promise<(CatalogVariant | null)[]> {
    const key = `${currency}|${skus.join(',')}`;
    return shared(this.catalogReads, key, () => this.fetchVariants(skus, currency, correlationId));
  }

  /** As readVariants, without sharing: each call is its own request. */
  fetchVariants(skus: readonly string[], currency: CurrencyCode, correlationId: string): Promise<(CatalogVariant | null)[]> {
    return fetchCatalogVariants(this.productUrl, this.secret, skus, currency, correlationId);
  }

  /** A basket priced by the product domain's priceCart (list prices, promotions in force, coupon verdicts) with unit costs. */
  priceCart(cart: CartRequest, correlationId: string): Promise<CartPricing> {
    return shared(this.cartPricings, JSON.stringify(cart), () => fetchCartPricing(this.productUrl, this.secret, cart, correlationId));
  }

  /** Uses the order's coupons (all or none); each code's refusal, or null when used. */
  redeemCoupons(request: { orderId: string; customerId?: string; codes: readonly string[] }, correlationId: string) {
    return redeemOrderCoupons(this.productUrl, this.secret, request, correlationId);
  }

  /** Gives the order's coupon uses back (idempotent). */
  releaseCoupons(orderId: string, codes: readonly string[], correlationId: string): Promise<number> {
    return releaseOrderCoupons(this.productUrl, this.secret, orderId, codes, correlationId);
  }
}

/** The request in flight under `key`, or a new one, forgotten once it settles. */
function shared<T>(inFlight: Map<string, Promise<T>>, key: string, start: () => Promise<T>): Promise<T> {
  const running = inFlight.get(key);
  if (running) return running;
  const request = start().finally(() => inFlight.delete(key));
  inFlight.set(key, request);
  return request;
}
