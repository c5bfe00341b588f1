import { readFileSync } from 'node:fs';
import type { LiveFeed } from '@mesh/events';
import { connectLiveFeed, type SubgraphModule } from '@mesh/server-kit';
import { createOrderContext, type OrderContext } from './context.js';
import { createOrderModels, type OrderModels } from './models/index.js';
import { createOrderKpis, trackOldestPendingOrder } from './order-kpis.js';
import { startOrderEvents } from './order-events.js';
import { OrderRuntime, readOrderRuntimeSettings, type OrderRuntimeSettings } from './order-runtime.js';
import { resolvers } from './resolvers/index.js';
import { watchDecisionFeed } from './services/decision-feed.js';

/**
 * The order subgraph as a unit: schema, resolvers, models, per-request context, event consumers
 * and outbox relay. It seeds nothing: orders are history, placed through the workflows. No side effects until started. `settings` defaults to the
 * environment (PRODUCT_URL); tests pass the product subgraph they started.
 */
export function createOrderSubgraph(settings: Partial<OrderRuntimeSettings> = {}): SubgraphModule<OrderModels, OrderContext> {
  const runtime = new OrderRuntime({ ...readOrderRuntimeSettings(), ...settings });
  let liveFeed: LiveFeed | undefined;
  return {
    name: 'order',
    typeDefs: readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'),
    resolvers,
    createModels: createOrderModels,
    createContext: (base, models) => createOrderContext(base, models, runtime, () => liveFeed),
    start: async (started) => {
      const feed = await connectLiveFeed(started);
      liveFeed = feed;
      const events = await startOrderEvents(started, runtime);
      runtime.kpis = createOrderKpis(started.metrics.registry);
      const pendingAge = trackOldestPendingOrder(started.metrics.registry, started.models, { intervalMs: runtime.settings.kpiIntervalMs, logger: started.logger });
      const decisionFeed = watchDecisionFeed(feed, runtime, started.logger);
      if (!runtime.settings.customerUrl) started.logger.warn('CUSTOMER_URL is not set: orders are priced without the customer\'s loyalty tier');
      return {
        async stop() {
          pendingAge.stop();
          await decisionFeed.stop();
          await events.stop();
          liveFeed = undefined;
          await feed.close();
        },
      };
    },
  };
}

/** The order subgraph configured from the environment. */
export const orderSubgraph: SubgraphModule<OrderModels, OrderContext> = createOrderSubgraph();
export { readOrderRuntimeSettings, type OrderRuntimeSettings } from './order-runtime.js';
