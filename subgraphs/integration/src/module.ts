import { readFileSync } from 'node:fs';
import type { SubgraphModule } from '@mesh/server-kit';
import { createIntegrationContext, type IntegrationContext } from './context.js';
import { startIntegrationEvents } from './events.js';
import { fulfilmentWebhookRoute } from './fulfilment/fulfilment-webhook.route.js';
import { createIntegrationModels, type IntegrationModels } from './models/index.js';
import { resolvers } from './resolvers/index.js';
import { createIntegrationRuntime, type IntegrationRuntime } from './runtime.js';
import { readIntegrationSettings, type IntegrationSettings } from './settings.js';
import { shopifyWebhookRoute } from './shopify/shopify-webhook.route.js';

export type IntegrationSubgraph = SubgraphModule<IntegrationSettings, IntegrationModels, IntegrationRuntime, IntegrationContext>;

/**
 * The integration subgraph in the kit's one shape, with the storefront and fulfilment webhook
 * routes; `overrides` replace settings read from the environment (tests).
 */
export function createIntegrationSubgraph(overrides: Partial<IntegrationSettings> = {}): IntegrationSubgraph {
  return {
    name: 'integration',
    typeDefs: readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'),
    resolvers,
    readSettings: (env) => ({ ...readIntegrationSettings(env), ...overrides }),
    createModels: createIntegrationModels,
    createRuntime: createIntegrationRuntime,
    startBackground: startIntegrationEvents,
    createContext: createIntegrationContext,
    routes: ({ models, settings, inboxDue }, { logger }) => ({
      '/webhooks/shopify': shopifyWebhookRoute({ models, logger, secret: settings.shopifyWebhookSecret, recorded: () => inboxDue.notify() }),
      '/webhooks/fulfilment': fulfilmentWebhookRoute({ models, logger, secret: settings.fulfilmentWebhookSecret, recorded: () => inboxDue.notify() }),
    }),
  };
}

/** The integration subgraph configured from the environment. */
export const integrationSubgraph: IntegrationSubgraph = createIntegrationSubgraph();
export { readIntegrationSettings, type IntegrationSettings } from './settings.js';
export { shopifySignature } from './shopify/shopify-signature.js';
export { DELIVERY_HEADERS, signDelivery, verifyDeliverySignature } from './outbound/delivery-signature.js';
export { SOURCE_HEADER } from './fulfilment/fulfilment-webhook.route.js';
