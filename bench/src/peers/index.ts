import { apolloRouter } from './apollo-router.js';
import { cosmoRouter } from './cosmo-router.js';
import { hiveGateway, hiveGatewayRust } from './hive-gateway.js';
import type { PeerGateway } from './peer.js';

export * from './peer.js';
export { writeRoutedSupergraph } from './routed-supergraph.js';
export { pidListeningOn } from './listening-pid.js';

/** The gateways a retailer would pick instead of ours, in the order the bench runs them. */
export const PEER_GATEWAYS: readonly PeerGateway[] = [hiveGateway, hiveGatewayRust, apolloRouter, cosmoRouter];
