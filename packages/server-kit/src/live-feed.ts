import { connectJetStreamLiveFeed, createMemoryLiveFeed, type LiveFeed } from '@mesh/events';
import type { SubgraphRuntime } from './subgraph-service.js';

/**
 * The feed a subgraph's live subscriptions read: the JetStream domain streams when the service is
 * on NATS (every replica sees every replica's events), else the in-process bus.
 */
export function connectLiveFeed(runtime: SubgraphRuntime<unknown>): Promise<LiveFeed> {
  return runtime.config.natsUrl
    ? connectJetStreamLiveFeed({ servers: runtime.config.natsUrl, name: `${runtime.config.name}-live-feed` })
    : createMemoryLiveFeed(runtime.bus, `${runtime.config.name}-live-feed`);
}
