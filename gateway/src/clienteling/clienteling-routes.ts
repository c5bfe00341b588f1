import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isRole } from '@mesh/server-kit';
import type { TokenVerification } from '../config.js';
import { signDevToken } from '../dev-tokens.js';

// Why: the clienteling page is a development aid (like Sandbox) that shows live subscriptions
// working in a browser. It is plain HTML and a script served from gateway/public, plus the
// graphql-ws browser build from the installed package, all from the gateway's own origin, so
// its WebSocket passes the Origin check with no allow-list entry.

type Route = (req: IncomingMessage, res: ServerResponse) => void;

const PUBLIC_DIR = fileURLToPath(new URL('../../public/clienteling/', import.meta.url));
/** A location id as the seed data writes them (loc_nyc01); anything else is refused. */
const LOCATION_ID = /^loc_[a-z0-9_]{1,40}$/;

/**
 * The routes of the clienteling page: `/clienteling` (the page), its script, the graphql-ws
 * browser client, and, when tokens are verified with the dev secret, `/clienteling/dev-token`
 * which mints an associate token for the store in `?storeId=` (404 otherwise: paste a token).
 * Mount only outside production.
 */
export function clientelingRoutes(tokens: TokenVerification): Record<string, Route> {
  const page = readFileSync(join(PUBLIC_DIR, 'index.html'));
  const script = readFileSync(join(PUBLIC_DIR, 'clienteling.js'));
  const graphqlWsDir = dirname(createRequire(import.meta.url).resolve('graphql-ws/package.json'));
  const graphqlWs = readFileSync(join(graphqlWsDir, 'umd', 'graphql-ws.min.js'));
  const routes: Record<string, Route> = {
    '/clienteling': (_req, res) => send(res, 200, 'text/html; charset=utf-8', page),
    '/clienteling/clienteling.js': (_req, res) => send(res, 200, 'text/javascript; charset=utf-8', script),
    '/clienteling/graphql-ws.js': (_req, res) => send(res, 200, 'text/javascript; charset=utf-8', graphqlWs),
  };
  if (tokens.kind === 'dev-secret') {
    routes['/clienteling/dev-token'] = (req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const storeId = url.searchParams.get('storeId') ?? '';
      const role = url.searchParams.get('role') ?? 'associate';
      if (!LOCATION_ID.test(storeId) || !isRole(role) || role === 'anonymous' || role === 'customer') {
        return send(
          res,
          400,
          'application/json',
          JSON.stringify({ error: 'storeId must be a location id such as loc_nyc01; role associate, analyst or admin' }),
        );
      }
      void signDevToken(
        { role, subject: `${role}-${storeId}-dev`, storeId },
        { secret: tokens.secret, issuer: tokens.issuer, audience: tokens.audience, expiresIn: '8h' },
      ).then(
        (token) => send(res, 200, 'application/json', JSON.stringify({ token })),
        () => send(res, 500, 'application/json', JSON.stringify({ error: 'could not sign a token' })),
      );
    };
  }
  return routes;
}

function send(res: ServerResponse, status: number, contentType: string, body: string | Buffer): void {
  res.writeHead(status, {
    'content-type': contentType,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    // Same-origin everything: the script, the graphql-ws build, /graphql over HTTP and WebSocket.
    'content-security-policy': "default-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
  });
  res.end(body);
}
