import { connectJetStreamLiveFeed, createMemoryLiveFeed, type EventBus, type LiveFeed } from '@mesh/events';
import type { SubgraphConfig } from './subgraph-config.js';

/**
 * The feed a subgraph's live subscriptions read: the JetStream domain streams when the service is
 * on NATS (every replica sees every replica's events), else the in-process bus.
 */
export function connectLiveFeed(config: SubgraphConfig, bus: EventBus): Promise<LiveFeed> {
  return config.natsUrl
    ? connectJetStreamLiveFeed({ servers: config.natsUrl, name: `${config.name}-live-feed` })
    : createMemoryLiveFeed(bus, `${config.name}-live-feed`);
}
