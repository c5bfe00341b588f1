import type { LiveFeed } from '@mesh/events';
import { LRUCache } from 'lru-cache';
import { secretKey, type SubgraphResources } from '@mesh/server-kit';
import { LoyaltyTiers } from './clients/loyalty-tiers.js';
import type { OrderModels } from './models/index.js';
import type { OrderRecord } from './models/order.model.js';
import { createOrderKpis, type OrderKpis } from './observability/order-kpis.js';
import { ProductCatalog } from './clients/product-catalog.js';
import { DecisionWaiters } from './placement/decision-waiters.js';
import { IntakeGate } from './placement/intake-gate.js';
import { KeyedQueue } from './returns/order-queue.js';
import type { OrderSettings } from './settings.js';

/** What every request of this process shares, built once at start. */
export interface OrderRuntime {
  readonly settings: OrderSettings;
  readonly models: OrderModels;
  /** The product subgraph (prices, costs, coupons), signed with the internal secret. */
  readonly catalog: ProductCatalog;
  /** The customer domain's loyalty tiers, which price orders. */
  readonly loyalty: LoyaltyTiers;
  /** placeOrder callers waiting for inventory's decision, woken by it. */
  readonly decisions: DecisionWaiters;
  /** How many orders this replica may have placing or undecided at once. */
  readonly intake: IntakeGate;
  /**
   * Orders this process just stored PLACED, as stored, until inventory's decision about them
   * arrives here: the decision is then one guarded update, without reading the order first. Only
   * fields fixed at placement are used from it; the update's status guard catches any other change.
   */
  readonly recentlyPlaced: LRUCache<string, OrderRecord>;
  /** Refunds and return receipts of one order run one at a time in this process (see KeyedQueue). */
  readonly orderQueue: KeyedQueue;
  /** The order domain's KPI instruments, on the service's /metrics. */
  readonly kpis: OrderKpis;
  /** The feed order status subscriptions read, opened on first use (the kit closes it). */
  readonly liveFeed: () => Promise<LiveFeed>;
}

export function createOrderRuntime({ settings, models, config, metrics, logger, liveFeed }: SubgraphResources<OrderSettings, OrderModels>): OrderRuntime {
  const secret = secretKey(config.internalSecret);
  if (!settings.customerUrl) logger.warn("CUSTOMER_URL is not set: orders are priced without the customer's loyalty tier");
  return {
    settings,
    models,
    catalog: new ProductCatalog(settings.productUrl, secret),
    loyalty: new LoyaltyTiers(settings.customerUrl, secret, settings.loyaltyTierCacheMs),
    decisions: new DecisionWaiters(),
    intake: new IntakeGate(settings.intakeMaxBacklog, settings.intakeQueueWaitMs, (settings.decisionWaitMs * 2) / 3),
    recentlyPlaced: new LRUCache<string, OrderRecord>({ max: 5_000, ttl: 60_000 }),
    orderQueue: new KeyedQueue(),
    kpis: createOrderKpis(metrics.registry),
    liveFeed,
  };
}
