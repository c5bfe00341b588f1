import { fileURLToPath } from 'node:url';
import { createHttpHandler, createServiceMetrics, listen, type Logger, type RunningHttpService } from '@mesh/server-kit';
import { readGatewayConfig, type GatewayConfig } from './config.js';
import type { GatewayContext } from './context.js';
import { createReadinessCheck } from './readiness.js';
import { createGateway } from './server.js';

export { readGatewayConfig, type GatewayConfig } from './config.js';

/** The supergraph checked in at schema/supergraph.graphql (composed by scripts/compose-supergraph.ts). */
export const DEFAULT_SUPERGRAPH_PATH = fileURLToPath(new URL('../../schema/supergraph.graphql', import.meta.url));

export function loadGatewayConfig(env: Readonly<Record<string, string | undefined>> = process.env): GatewayConfig {
  return readGatewayConfig(env, DEFAULT_SUPERGRAPH_PATH);
}

/** Starts the gateway: loads the supergraph, then serves /graphql, /health, /ready and /metrics. */
export async function startGateway(config: GatewayConfig, logger: Logger): Promise<RunningHttpService> {
  const { apollo, context } = createGateway(config, logger);
  await apollo.start();
  const http = await listen(
    createHttpHandler<GatewayContext>({
      apollo,
      context,
      metrics: createServiceMetrics('gateway'),
      ready: createReadinessCheck(config),
      maxBodyBytes: config.maxBodyBytes,
    }),
    config.port,
    config.host,
  );
  logger.info({ url: http.url }, 'gateway ready');
  return {
    ...http,
    async close() {
      await http.close();
      await apollo.stop();
    },
  };
}
export { signDevToken } from './dev-tokens.js';
