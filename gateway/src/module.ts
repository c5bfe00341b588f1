import { fileURLToPath } from 'node:url';
import { createHttpHandler, listen, type Logger, type RunningHttpService } from '@mesh/server-kit';
import { readGatewayConfig, type GatewayConfig } from './config.js';
import type { GatewayContext } from './context.js';
import { clientelingRoutes } from './clienteling/clienteling-routes.js';
import { consoleRoutes } from './console/console-routes.js';
import { createGateway, type GatewayOptions } from './server.js';

export { readGatewayConfig, type GatewayConfig, type SubscriptionLimits } from './config.js';
export type { GatewayOptions } from './server.js';
export type { GatewayReadiness } from './readiness.js';
export { REFUSALS, type RefusalCode } from './governance/refusals.js';
export { GATEWAY_SOCKET_CLOSE } from './subscriptions/socket-server.js';
export type { ResubscribeHook, UpstreamRequest } from './subscriptions/upstream-pool.js';

/** The supergraph checked in at schema/supergraph.graphql (composed by scripts/compose-supergraph.ts). */
export const DEFAULT_SUPERGRAPH_PATH = fileURLToPath(new URL('../../schema/supergraph.graphql', import.meta.url));

export function loadGatewayConfig(env: Readonly<Record<string, string | undefined>> = process.env): GatewayConfig {
  return readGatewayConfig(env, DEFAULT_SUPERGRAPH_PATH);
}

/**
 * Starts the gateway: loads the supergraph (and reloads it when its file changes), then serves
 * /graphql (HTTP and graphql-ws subscriptions), /health, /ready (JSON: subgraphs and supergraph)
 * and /metrics, the operations console (unless CONSOLE=false), and outside production the clienteling page.
 */
export async function startGateway(config: GatewayConfig, logger: Logger, options: GatewayOptions = {}): Promise<RunningHttpService> {
  const { apollo, context, serveSubscriptions, readiness, limits, metrics, transport } = createGateway(config, logger, options);
  await apollo.start();
  await limits.ready();
  const http = await listen(
    createHttpHandler<GatewayContext>({
      apollo,
      context,
      metrics,
      maxBodyBytes: config.maxBodyBytes,
      routes: { '/ready': readiness, ...(config.clienteling ? clientelingRoutes(config.tokens) : {}), ...(config.console ? consoleRoutes(logger) : {}) },
    }),
    config.port,
    config.host,
  );
  const subscriptions = serveSubscriptions(http.server);
  logger.info({ url: http.url }, 'gateway ready');
  return {
    ...http,
    async close() {
      // Subscriptions first: clients get `complete` for each while subgraphs are still reachable.
      await subscriptions.close();
      await http.close();
      await apollo.stop();
      await transport.close();
      await limits.close();
    },
  };
}
export { signDevToken } from './dev-tokens.js';
