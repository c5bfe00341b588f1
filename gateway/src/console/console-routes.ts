import type { IncomingMessage, ServerResponse } from 'node:http';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@mesh/server-kit';

// Why: the operations console is a static site (console/, built by Vite) that talks only to
// /graphql. Served from the gateway's own origin, it needs no CORS and its requests carry the
// same bearer tokens as any client's. The files are read once at start; a rebuilt console needs
// a gateway restart (`npm start` builds before it starts).

type Route = (req: IncomingMessage, res: ServerResponse) => void;

/** console/dist, from gateway/src/console (tsx) and gateway/dist/console (built) alike. */
export const CONSOLE_DIST = fileURLToPath(new URL('../../../console/dist/', import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/**
 * The console's routes: `/console` and `/console/` (its page) and every built file under
 * `/console/…`. When console/dist is missing (not built yet) the page answers 503 saying so.
 */
export function consoleRoutes(logger: Logger, dist = CONSOLE_DIST): Record<string, Route> {
  if (!existsSync(join(dist, 'index.html'))) {
    logger.warn({ dist }, 'the operations console is not built: run npm run build');
    const missing: Route = (_req, res) => send(res, 503, 'text/plain; charset=utf-8', 'The operations console is not built: run `npm run build`.', false);
    return { '/console': missing, '/console/': missing };
  }
  const routes: Record<string, Route> = {};
  for (const file of filesUnder(dist)) {
    const body = readFileSync(file);
    const path = `/console/${relative(dist, file).split('\\').join('/')}`;
    // Vite names assets by content hash: they never change under one name.
    const immutable = path.startsWith('/console/assets/');
    routes[path] = (_req, res) => send(res, 200, CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', body, immutable);
  }
  const page = routes['/console/index.html'];
  if (page) {
    routes['/console'] = page;
    routes['/console/'] = page;
  }
  return routes;
}

function filesUnder(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

function send(res: ServerResponse, status: number, contentType: string, body: string | Buffer, immutable: boolean): void {
  res.writeHead(status, {
    'content-type': contentType,
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-store',
    'x-content-type-options': 'nosniff',
    // Scripts and data from this origin only; Chart.js sizes its canvases with inline styles.
    'content-security-policy': "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
  });
  res.end(body);
}
