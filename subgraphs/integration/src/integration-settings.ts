import { ConfigError, readEnvironment, readInt, readOptionalString, readString } from '@mesh/server-kit';

/** What the integration subgraph needs beyond every subgraph's configuration; parsed once, frozen. */
export interface IntegrationSettings {
  /** The order subgraph's GraphQL endpoint, where storefront orders become orders (ORDER_URL, default http://127.0.0.1:4003/graphql). */
  readonly orderUrl: string;
  /**
   * The shared secret Shopify signs webhooks with (SHOPIFY_WEBHOOK_SECRET: the app's client secret,
   * or the store's webhook signing key). Required in production; development and tests get a fixed one.
   */
  readonly shopifyWebhookSecret: string;
  /** Pause between the inbound worker's safety-net passes (INTEGRATION_WORKER_INTERVAL_MS, default 1000); every accepted webhook also wakes it. */
  readonly workerIntervalMs: number;
}

/** The development default of SHOPIFY_WEBHOOK_SECRET (refused in production). */
export const DEV_SHOPIFY_WEBHOOK_SECRET = 'dev-only-shopify-webhook-secret';

export function readIntegrationSettings(env: Readonly<Record<string, string | undefined>> = process.env): IntegrationSettings {
  const environment = readEnvironment(env);
  const secret = readOptionalString(env, 'SHOPIFY_WEBHOOK_SECRET');
  if (!secret && environment === 'production') throw new ConfigError('SHOPIFY_WEBHOOK_SECRET is required in production');
  return Object.freeze({
    orderUrl: readString(env, 'ORDER_URL', 'http://127.0.0.1:4003/graphql'),
    shopifyWebhookSecret: secret ?? DEV_SHOPIFY_WEBHOOK_SECRET,
    workerIntervalMs: readInt(env, 'INTEGRATION_WORKER_INTERVAL_MS', 1000, { min: 10 }),
  });
}
