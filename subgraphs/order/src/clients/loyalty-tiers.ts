import { LRUCache } from 'lru-cache';
import { fetchLoyaltyTier, type LoyaltyTier } from './customer-client.js';

/**
 * Customers' loyalty tiers as the customer domain holds them, read by key lookup and remembered
 * for `cacheMs` (30 s by default): a tier changes far more rarely than a customer orders again or
 * retries a refused order, so a new tier prices orders from at most that long after it.
 * Concurrent reads for one customer share one request.
 */
export class LoyaltyTiers {
  private readonly tiers: LRUCache<string, { readonly tier: LoyaltyTier | null }, { readonly correlationId: string }> | null;

  /** `customerUrl` null (a test of the order domain alone): every customer prices as one without a tier. */
  constructor(customerUrl: string | null, secret: Uint8Array, cacheMs: number) {
    this.tiers = customerUrl
      ? new LRUCache({
          max: 50_000,
          ttl: cacheMs,
          fetchMethod: async (customerId, _stale, { context }) => ({ tier: await fetchLoyaltyTier(customerUrl, secret, customerId, context.correlationId) }),
        })
      : null;
  }

  /** The customer's tier (null: a customer the customer domain does not know, or none configured); CUSTOMER_UNAVAILABLE when it does not answer (not cached). */
  async tierOf(customerId: string, correlationId: string): Promise<LoyaltyTier | null> {
    if (!this.tiers) return null;
    const read = await this.tiers.fetch(customerId, { context: { correlationId } });
    return read?.tier ?? null;
  }
}
