import { readFileSync } from 'node:fs';
import type { SubgraphModule } from '@mesh/server-kit';
import { createIntegrationContext, type IntegrationContext } from './context.js';
import { fulfilmentWebhookRoute } from './fulfilment/fulfilment-webhook.route.js';
import { IntegrationRuntime } from './integration-runtime.js';
import { readIntegrationSettings, type IntegrationSettings } from './integration-settings.js';
import { createIntegrationModels, type IntegrationModels } from './models/index.js';
import { resolvers } from './resolvers/index.js';
import { startFanOut } from './outbound/fan-out-consumer.js';
import { startSubscriberDelivery } from './outbound/subscriber-delivery.js';
import { startInboundWorker } from './services/inbound-worker.js';
import { shopifyWebhookRoute } from './shopify/shopify-webhook.route.js';

/**
 * The integration subgraph as a unit: schema, resolvers, models, the storefront and fulfilment webhook routes and
 * the inbound worker, and the outbound fan-out and subscriber lanes. No side effects until started. `settings` default to the environment
 * (ORDER_URL, SHOPIFY_WEBHOOK_SECRET, FULFILMENT_WEBHOOK_SECRET, INTEGRATION_WORKER_INTERVAL_MS, SUBSCRIBER_*).
 */
export function createIntegrationSubgraph(settings: Partial<IntegrationSettings> = {}): SubgraphModule<IntegrationModels, IntegrationContext> {
  const runtime = new IntegrationRuntime({ ...readIntegrationSettings(), ...settings });
  return {
    name: 'integration',
    typeDefs: readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'),
    resolvers,
    createModels: createIntegrationModels,
    createContext: (base, models) => createIntegrationContext(base, models, runtime),
    routes: (models, logger) => ({
      '/webhooks/shopify': shopifyWebhookRoute({ models, logger, secret: runtime.settings.shopifyWebhookSecret, recorded: () => runtime.wake() }),
      '/webhooks/fulfilment': fulfilmentWebhookRoute({ models, logger, secret: runtime.settings.fulfilmentWebhookSecret, recorded: () => runtime.wake() }),
    }),
    start: async ({ models, logger, config, bus }) => {
      runtime.useSecret(config.internalSecret);
      const worker = startInboundWorker({ models, logger, intervalMs: runtime.settings.workerIntervalMs, target: (correlationId) => runtime.orderTarget(correlationId) });
      runtime.useWorker(() => worker.wake());
      const delivery = startSubscriberDelivery(models, runtime.settings.subscribers, logger);
      runtime.useSubscriberDelivery((ids) => delivery.wake(ids));
      const fanOut = await startFanOut(bus, models, (ids) => delivery.wake(ids));
      return {
        async stop() {
          runtime.stopped();
          await fanOut.stop();
          await delivery.stop();
          await worker.stop();
        },
      };
    },
  };
}

/** The integration subgraph configured from the environment. */
export const integrationSubgraph: SubgraphModule<IntegrationModels, IntegrationContext> = createIntegrationSubgraph();
export { readIntegrationSettings, type IntegrationSettings } from './integration-settings.js';
export { shopifySignature } from './shopify/shopify-signature.js';
export { DELIVERY_HEADERS, signDelivery, verifyDeliverySignature } from './outbound/delivery-signature.js';
export { SOURCE_HEADER } from './fulfilment/fulfilment-webhook.route.js';
