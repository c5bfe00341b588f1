import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';
import type { Principal } from '@mesh/server-kit';
import type { ClientAddressConfig } from './governance-config.js';

// Why: behind a load balancer every TCP peer is the balancer, so the client's address must come
// from X-Forwarded-For; but anyone can write that header. It is read only when the peer is one
// of the configured proxies, and only as many hops back as there are trusted proxies in front.

/** Resolves who a request comes from, for rate limits, budgets and socket caps. */
export interface ClientIdentity {
  /** The client's address: the TCP peer, or the address the trusted proxy chain forwarded. */
  address(req: Pick<IncomingMessage, 'headers' | 'socket'>): string;
  /** The key a client's limits are counted under: its token subject when signed in, else its address. */
  key(req: Pick<IncomingMessage, 'headers' | 'socket'>, principal: Principal): string;
}

export function createClientIdentity(config: ClientAddressConfig): ClientIdentity {
  const trustedProxy = proxyaddr.compile([...config.trustedProxies]);
  const hops = config.trustedProxyHops;
  // proxy-addr walks from the TCP peer back through X-Forwarded-For while this says "trusted":
  // hop i is believed when it is within the configured count and is itself a listed proxy.
  const trust = (address: string, hop: number) => hop < hops && trustedProxy(address, hop);
  const address = (req: Pick<IncomingMessage, 'headers' | 'socket'>) =>
    hops === 0 ? (req.socket.remoteAddress ?? 'unknown') : proxyaddr(req as IncomingMessage, trust);
  return {
    address,
    key: (req, principal) => (principal.subject ? `sub:${principal.role}:${principal.subject}` : `addr:${address(req)}`),
  };
}
