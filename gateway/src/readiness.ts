import type { GatewayConfig } from './config.js';

/**
 * The gateway is ready when every subgraph answers its /ready. Checked at most once a second so
 * a load balancer's probes do not multiply into subgraph traffic.
 */
export function createReadinessCheck(config: GatewayConfig): () => Promise<boolean> {
  let last = { at: 0, ready: false };
  return async () => {
    if (Date.now() - last.at < 1000) return last.ready;
    const results = await Promise.all(
      Object.values(config.subgraphUrls).map(async (url) => {
        try {
          const response = await fetch(url.replace(/\/graphql$/, '/ready'), { signal: AbortSignal.timeout(2000) });
          return response.ok;
        } catch {
          return false;
        }
      }),
    );
    last = { at: Date.now(), ready: results.every(Boolean) };
    return last.ready;
  };
}
