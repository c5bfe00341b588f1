import { ConfigError, readEnvironment, readInt, readOptionalString, readString, type Environment } from '@mesh/server-kit';

/** What the integration subgraph needs beyond every subgraph's configuration, read once at start (the kit freezes it). */
export interface IntegrationSettings {
  /** The order subgraph's GraphQL endpoint, where storefront orders become orders (ORDER_URL, default http://127.0.0.1:4003/graphql). */
  readonly orderUrl: string;
  /** The ledger subgraph's GraphQL endpoint, where settlement fees and payouts are posted (LEDGER_URL, default http://127.0.0.1:4005/graphql). */
  readonly ledgerUrl: string;
  /**
   * The shared secret Shopify signs webhooks with (SHOPIFY_WEBHOOK_SECRET: the app's client secret,
   * or the store's webhook signing key). Required in production; development and tests get a fixed one.
   */
  readonly shopifyWebhookSecret: string;
  /** The shared secret carriers and WMSs sign fulfilment milestones with (FULFILMENT_WEBHOOK_SECRET); required in production. */
  readonly fulfilmentWebhookSecret: string;
  /** Pause between the inbound worker's safety-net passes (INTEGRATION_WORKER_INTERVAL_MS, default 1000), doubling to five times that while nothing is due; every accepted webhook also wakes it. */
  readonly workerIntervalMs: number;
  /** Outbound deliveries to subscribers (see outbound/). */
  readonly subscribers: SubscriberDeliverySettings;
}

/** How events are pushed to registered subscribers. */
export interface SubscriberDeliverySettings {
  /** How long one delivery may take before it counts as failed (SUBSCRIBER_TIMEOUT_MS, default 5000). */
  readonly timeoutMs: number;
  /** Attempts before a delivery is dead-lettered (SUBSCRIBER_MAX_ATTEMPTS, default 8). */
  readonly maxAttempts: number;
  /** The first retry's delay; each further one doubles it, up to 10 minutes (SUBSCRIBER_RETRY_BASE_MS, default 1000). */
  readonly retryBaseMs: number;
  /** Deliveries in flight per subscriber, each of another ordering key (SUBSCRIBER_CONCURRENCY, default 4). */
  readonly concurrency: number;
}

/** The development default of SHOPIFY_WEBHOOK_SECRET (refused in production). */
export const DEV_SHOPIFY_WEBHOOK_SECRET = 'dev-only-shopify-webhook-secret';
/** The development default of FULFILMENT_WEBHOOK_SECRET (refused in production). */
export const DEV_FULFILMENT_WEBHOOK_SECRET = 'dev-only-fulfilment-webhook-secret';

export function readIntegrationSettings(env: Environment): IntegrationSettings {
  const environment = readEnvironment(env);
  const secret = readOptionalString(env, 'SHOPIFY_WEBHOOK_SECRET');
  if (!secret && environment === 'production') throw new ConfigError('SHOPIFY_WEBHOOK_SECRET is required in production');
  const fulfilmentSecret = readOptionalString(env, 'FULFILMENT_WEBHOOK_SECRET');
  if (!fulfilmentSecret && environment === 'production') throw new ConfigError('FULFILMENT_WEBHOOK_SECRET is required in production');
  return {
    orderUrl: readString(env, 'ORDER_URL', 'http://127.0.0.1:4003/graphql'),
    ledgerUrl: readString(env, 'LEDGER_URL', 'http://127.0.0.1:4005/graphql'),
    shopifyWebhookSecret: secret ?? DEV_SHOPIFY_WEBHOOK_SECRET,
    fulfilmentWebhookSecret: fulfilmentSecret ?? DEV_FULFILMENT_WEBHOOK_SECRET,
    workerIntervalMs: readInt(env, 'INTEGRATION_WORKER_INTERVAL_MS', 1000, { min: 10 }),
    subscribers: Object.freeze({
      timeoutMs: readInt(env, 'SUBSCRIBER_TIMEOUT_MS', 5000, { min: 100, max: 60_000 }),
      maxAttempts: readInt(env, 'SUBSCRIBER_MAX_ATTEMPTS', 8, { min: 1, max: 50 }),
      retryBaseMs: readInt(env, 'SUBSCRIBER_RETRY_BASE_MS', 1000, { min: 10, max: 600_000 }),
      concurrency: readInt(env, 'SUBSCRIBER_CONCURRENCY', 4, { min: 1, max: 64 }),
    }),
  };
}
