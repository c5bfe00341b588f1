import type { IncomingMessage } from 'node:http';

// Why: a WebSocket upgrade is not covered by CORS. A page on any site could open a socket to
// the gateway with the visitor's credentials (cross-site WebSocket hijacking), so the Origin is
// checked on upgrade; and each socket holds memory and an upstream share, so clients are capped.

/**
 * Browsers always send Origin on a WebSocket upgrade; it is allowed when it is the gateway's own
 * origin (its Host) or on the allow-list. Requests without Origin come from non-browser clients,
 * which no cross-site page can drive, and pass.
 */
export function isOriginAllowed(req: IncomingMessage, allowedOrigins: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (allowedOrigins.includes(parsed.origin)) return true;
  return req.headers.host !== undefined && parsed.host === req.headers.host;
}

/** Counts open sockets per key (a client address, a token subject) against one cap. */
export class SocketQuota {
  private readonly open = new Map<string, number>();
  constructor(private readonly max: number) {}

  /** Takes a slot for `key`; false when the key already holds `max` sockets. */
  acquire(key: string): boolean {
    const count = this.open.get(key) ?? 0;
    if (count >= this.max) return false;
    this.open.set(key, count + 1);
    return true;
  }

  release(key: string): void {
    const count = this.open.get(key) ?? 0;
    if (count <= 1) this.open.delete(key);
    else this.open.set(key, count - 1);
  }
}
