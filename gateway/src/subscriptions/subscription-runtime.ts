import type { ServiceMap } from '@apollo/gateway';
import type { GraphQLDataSource } from '@apollo/gateway';
import type { SupergraphSource } from '../supergraph/supergraph-source.js';
import { SubscriptionPlanner } from './subscription-planner.js';

/** What new subscriptions are planned and resolved with: one per served supergraph. */
export interface SubscriptionRuntime {
  /** The supergraph's id: prepared documents are remembered per runtime. */
  readonly id: string;
  readonly planner: SubscriptionPlanner;
  /** The data sources that resolve the rest of each event's selection. */
  readonly services: ServiceMap;
}

/**
 * The runtime for the supergraph being served, rebuilt on first use after a reload. A subscription
 * keeps the runtime it started with, so a reload never interrupts an open stream; new ones get the new graph.
 */
export function subscriptionRuntimeFor(source: SupergraphSource, dataSource: (name: string, url: string) => GraphQLDataSource): () => SubscriptionRuntime {
  let runtime: SubscriptionRuntime | undefined;
  return () => {
    const current = source.current;
    if (runtime?.id !== current.id) {
      runtime = {
        id: current.id,
        planner: new SubscriptionPlanner(current.supergraph),
        services: Object.fromEntries(current.routes.map((route) => [route.name, dataSource(route.name, route.url)])),
      };
    }
    return runtime;
  };
}
