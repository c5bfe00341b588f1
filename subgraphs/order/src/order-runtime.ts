import { readInt, readOptionalString, readString, secretKey } from '@mesh/server-kit';
import type { CurrencyCode } from '@mesh/server-kit';
import { LRUCache } from 'lru-cache';
import { fetchLoyaltyTier, type LoyaltyTier } from './customer-client.js';
import { fetchCartPricing, fetchCatalogVariants, redeemOrderCoupons, releaseOrderCoupons, type CartPricing, type CartRequest, type CatalogVariant } from './product-client.js';
import { DecisionWaiters } from './services/decision-waiters.js';
import { IntakeGate } from './services/intake-gate.js';
import { KeyedQueue } from './services/order-queue.js';
import type { OrderKpis } from './order-kpis.js';
import type { OrderRecord } from './models/order.model.js';

/** How the order subgraph reaches the product subgraph, and how long placement waits. */
export interface OrderRuntimeSettings {
  /** The product subgraph's GraphQL endpoint (PRODUCT_URL, default http://127.0.0.1:4001/graphql). */
  readonly productUrl: string;
  /**
   * The customer subgraph's GraphQL endpoint, asked for the customer's loyalty tier when an order
   * is priced (CUSTOMER_URL). Every deployment sets it; left unset (a test of the order domain
   * alone), orders are priced without a tier, as for a customer without one.
   */
  readonly customerUrl: string | null;
  /** How long placeOrder waits, from the request's arrival, for inventory's answer before answering PENDING (ORDER_DECISION_WAIT_MS, default 3000 ms). */
  readonly decisionWaitMs: number;
  /** Orders this replica may have placing or undecided before new ones are refused with INTAKE_SATURATED (ORDER_INTAKE_MAX_BACKLOG, default 200). */
  readonly intakeMaxBacklog: number;
  /**
   * How long a caller past the backlog may wait in line for a decision to free a place before it
   * is refused (ORDER_INTAKE_QUEUE_WAIT_MS, default 1000 ms, at most half of the decision wait; 0
   * refuses at once). The line keeps a burst's intake full without callers polling.
   */
  readonly intakeQueueWaitMs: number;
  /** Pause between the outbox relay's safety-net passes (ORDER_RELAY_INTERVAL_MS, default 1000 ms); every write also pokes it. */
  readonly relayIntervalMs: number;
  /** Days after an order became COMPLETED during which its goods may be returned (ORDER_RETURN_WINDOW_DAYS, default 30). */
  readonly returnWindowDays: number;
  /** How often the age of the oldest PENDING order is measured for /metrics (ORDER_KPI_INTERVAL_MS, default 15000 ms). */
  readonly kpiIntervalMs: number;
  /** How long a customer's loyalty tier read from the customer domain is used (ORDER_LOYALTY_TIER_CACHE_MS, default 30000 ms). */
  readonly loyaltyTierCacheMs: number;
}

export function readOrderRuntimeSettings(env: Readonly<Record<string, string | undefined>> = process.env): OrderRuntimeSettings {
  return {
    productUrl: readString(env, 'PRODUCT_URL', 'http://127.0.0.1:4001/graphql'),
    customerUrl: readOptionalString(env, 'CUSTOMER_URL') ?? null,
    decisionWaitMs: readInt(env, 'ORDER_DECISION_WAIT_MS', 3000, { min: 0, max: 8000 }),
    intakeMaxBacklog: readInt(env, 'ORDER_INTAKE_MAX_BACKLOG', 200, { min: 1 }),
    intakeQueueWaitMs: readInt(env, 'ORDER_INTAKE_QUEUE_WAIT_MS', 1000, { min: 0, max: 4000 }),
    relayIntervalMs: readInt(env, 'ORDER_RELAY_INTERVAL_MS', 1000, { min: 10 }),
    returnWindowDays: readInt(env, 'ORDER_RETURN_WINDOW_DAYS', 30, { min: 0, max: 3650 }),
    kpiIntervalMs: readInt(env, 'ORDER_KPI_INTERVAL_MS', 15_000, { min: 100 }),
    loyaltyTierCacheMs: readInt(env, 'ORDER_LOYALTY_TIER_CACHE_MS', 30_000, { min: 1 }),
  };
}

/**
 * What request-time code shares with the module's start hook: set when the module starts (the
 * internal secret for signing calls to product).
 */
export class OrderRuntime {
  secret: Uint8Array | null = null;
  /** Refunds and return receipts of one order run one at a time in this process (see KeyedQueue). */
  readonly orderQueue = new KeyedQueue();
  /** placeOrder callers waiting for inventory's decision, woken by it. */
  readonly decisions = new DecisionWaiters();
  readonly intake: IntakeGate;
  /**
   * Orders this process just stored PLACED, as stored, until inventory's decision about them
   * arrives here: the decision is then one guarded update, without reading the order first. Only
   * fields fixed at placement are used from it; the update's status guard catches any other change.
   */
  readonly recentlyPlaced = new LRUCache<string, OrderRecord>({ max: 5_000, ttl: 60_000 });
  /** The KPI instruments, once the module has started (on the service's /metrics). */
  kpis: OrderKpis | null = null;
  private readonly catalogReads = new Map<string, Promise<(CatalogVariant | null)[]>>();
  private readonly cartPricings = new Map<string, Promise<CartPricing>>();
  /** Tiers read from the customer domain, kept `loyaltyTierCacheMs`; concurrent reads of one customer share a request. */
  private readonly tiers: LRUCache<string, { readonly tier: LoyaltyTier | null }, { readonly correlationId: string }>;

  constructor(readonly settings: OrderRuntimeSettings) {
    this.intake = new IntakeGate(settings.intakeMaxBacklog, settings.intakeQueueWaitMs, (settings.decisionWaitMs * 2) / 3);
    this.tiers = new LRUCache({
      max: 50_000,
      ttl: settings.loyaltyTierCacheMs,
      fetchMethod: async (customerId, _stale, { context }) => ({
        tier: await fetchLoyaltyTier(this.settings.customerUrl!, this.requireSecret(), customerId, context.correlationId),
      }),
    });
  }

  /**
   * Prices and costs of `skus` from the catalog. Concurrent reads of the same SKUs share one request
   * to the product subgraph (a flash sale prices the same SKU a thousand times at once); nothing is
   * cached beyond the request in flight, so a price change applies to the next order.
   */
  readCatalog(skus: readonly string[], currency: CurrencyCode, correlationId: string): Promise<(CatalogVariant | null)[]> {
    if (!this.secret) throw new Error('the order module has not been started (no internal secret)');
    const key = `${currency}|${skus.join(',')}`;
    const inFlight = this.catalogReads.get(key);
    if (inFlight) return inFlight;
    const read = fetchCatalogVariants(this.settings.productUrl, this.secret, skus, currency, correlationId).finally(() => this.catalogReads.delete(key));
    this.catalogReads.set(key, read);
    return read;
  }

  /**
   * A basket priced by the product domain's priceCart (list prices, promotions in force, coupon
   * verdicts) with unit costs. Concurrent identical baskets share one request, as readCatalog does.
   */
  priceCart(cart: CartRequest, correlationId: string): Promise<CartPricing> {
    const secret = this.requireSecret();
    const key = JSON.stringify(cart);
    const inFlight = this.cartPricings.get(key);
    if (inFlight) return inFlight;
    const pricing = fetchCartPricing(this.settings.productUrl, secret, cart, correlationId).finally(() => this.cartPricings.delete(key));
    this.cartPricings.set(key, pricing);
    return pricing;
  }

  /**
   * The customer's loyalty tier as the customer domain holds it (null: a customer it does not
   * know, or no CUSTOMER_URL configured), by key lookup, remembered for `loyaltyTierCacheMs`
   * (30 s by default): a tier changes far more rarely than a customer orders again or retries a
   * refused order, so a new tier prices orders from at most that long after it. Concurrent reads
   * for one customer share one request. CUSTOMER_UNAVAILABLE when it does not answer (not cached).
   */
  async loyaltyTier(customerId: string, correlationId: string): Promise<LoyaltyTier | null> {
    if (!this.settings.customerUrl) return null;
    const read = await this.tiers.fetch(customerId, { context: { correlationId } });
    return read?.tier ?? null;
  }

  /** Uses the order's coupons (all or none); each code's refusal, or null when used. */
  redeemCoupons(request: { orderId: string; customerId?: string; codes: readonly string[] }, correlationId: string) {
    return redeemOrderCoupons(this.settings.productUrl, this.requireSecret(), request, correlationId);
  }

  /** Gives the order's coupon uses back (idempotent). */
  releaseCoupons(orderId: string, codes: readonly string[], correlationId: string): Promise<number> {
    return releaseOrderCoupons(this.settings.productUrl, this.requireSecret(), orderId, codes, correlationId);
  }

  private requireSecret(): Uint8Array {
    if (!this.secret) throw new Error('the order module has not been started (no internal secret)');
    return this.secret;
  }

  useSecret(internalSecret: string): void {
    this.secret = secretKey(internalSecret);
  }
}
