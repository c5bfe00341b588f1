import { readSchemaSlices, type SubgraphModule } from '@mesh/server-kit';
import { createOrderContext, type OrderContext } from './context.js';
import { startOrderEvents } from './events.js';
import { createOrderModels, type OrderModels } from './models/index.js';
import { resolvers } from './resolvers/index.js';
import { createOrderRuntime, type OrderRuntime } from './runtime.js';
import { readOrderSettings, type OrderSettings } from './settings.js';

export type OrderSubgraph = SubgraphModule<OrderSettings, OrderModels, OrderRuntime, OrderContext>;

/**
 * The order subgraph in the kit's one shape. It seeds nothing: orders are history, placed through
 * the workflows. `overrides` replace settings read from the environment (tests pass the product
 * subgraph they started, shorter timers).
 */
export function createOrderSubgraph(overrides: Partial<OrderSettings> = {}): OrderSubgraph {
  return {
    name: 'order',
    // The base schema.graphql and each feature folder's slice, copied beside the build output.
    typeDefs: readSchemaSlices(new URL('.', import.meta.url)),
    resolvers,
    readSettings: (env) => ({ ...readOrderSettings(env), ...overrides }),
    createModels: createOrderModels,
    createRuntime: createOrderRuntime,
    startBackground: startOrderEvents,
    createContext: createOrderContext,
  };
}

/** The order subgraph configured from the environment. */
export const orderSubgraph: OrderSubgraph = createOrderSubgraph();
export { readOrderSettings, type OrderSettings } from './settings.js';
