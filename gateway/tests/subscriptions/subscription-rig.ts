import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type RunningHttpService } from '@mesh/server-kit';
import { loadGatewayConfig, startGateway } from '../../src/module.js';
import { composeTestSupergraph, inventory, order, product, startTestSubgraphServer, type RunningTestSubgraph } from './test-subgraphs.js';

/** The three test subgraphs composed into a supergraph file, and the gateways a suite starts over them. */
export interface SubscriptionRig {
  /** Replace one (after closing it) to restart it on the same port. */
  readonly subgraphs: Record<'inventory' | 'product' | 'order', RunningTestSubgraph>;
  /** Gateways started and not yet closed; `close` closes those left. A test that closes one itself takes it out. */
  readonly gateways: RunningHttpService[];
  /** Starts the real gateway on the supergraph with the rig's environment plus `env`. */
  startGateway(env?: Record<string, string>): Promise<RunningHttpService>;
  close(): Promise<void>;
}

/** Starts the test subgraphs, with `gatewayEnv` for every gateway of the suite (beside the subgraph URLs and secret). */
export async function startSubscriptionRig(internalSecret: string, gatewayEnv: Record<string, string>): Promise<SubscriptionRig> {
  const subgraphs = {
    inventory: await startTestSubgraphServer(inventory, internalSecret),
    product: await startTestSubgraphServer(product, internalSecret),
    order: await startTestSubgraphServer(order, internalSecret),
  };
  const supergraphPath = join(mkdtempSync(join(tmpdir(), 'mesh-subscriptions-')), 'supergraph.graphql');
  writeFileSync(supergraphPath, composeTestSupergraph({ inventory: subgraphs.inventory.url, product: subgraphs.product.url, order: subgraphs.order.url }));
  const gateways: RunningHttpService[] = [];
  return {
    subgraphs,
    gateways,
    async startGateway(env = {}) {
      const config = loadGatewayConfig({
        NODE_ENV: 'test',
        GATEWAY_PORT: '0',
        MESH_INTERNAL_SECRET: internalSecret,
        SUPERGRAPH_PATH: supergraphPath,
        INVENTORY_URL: subgraphs.inventory.url,
        PRODUCT_URL: subgraphs.product.url,
        ORDER_URL: subgraphs.order.url,
        CUSTOMER_URL: 'http://127.0.0.1:9/graphql',
        LEDGER_URL: 'http://127.0.0.1:9/graphql',
        ...gatewayEnv,
        ...env,
      });
      const gateway = await startGateway(config, createLogger('gateway', { LOG_LEVEL: 'silent' }));
      gateways.push(gateway);
      return gateway;
    },
    async close() {
      for (const running of gateways) await running.close();
      for (const running of Object.values(subgraphs)) await running.close();
    },
  };
}
