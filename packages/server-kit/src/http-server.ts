import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext, type ContextFunction } from '@apollo/server';
import type { ServiceMetrics } from './metrics.js';
import { markArrival } from './request-age.js';

export interface HttpServiceOptions<TContext extends BaseContext> {
  readonly apollo: ApolloServer<TContext>;
  readonly context: ContextFunction<[{ req: IncomingMessage }], TContext>;
  readonly metrics: ServiceMetrics;
  /** Answers /ready: false while a dependency (database, subgraphs) is not usable. Defaults to always ready. */
  readonly ready?: () => boolean | Promise<boolean>;
  /** Largest accepted request body in bytes. Defaults to 1 MiB. */
  readonly maxBodyBytes?: number;
  /** Extra routes (exact path match) served before GraphQL. */
  readonly routes?: Readonly<Record<string, (req: IncomingMessage, res: ServerResponse) => void | Promise<void>>>;
}

export interface RunningHttpService {
  readonly server: Server;
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

class BodyTooLarge extends Error {}

/**
 * Serves one GraphQL endpoint at /graphql plus /health, /ready and /metrics on plain node:http.
 * Apollo Server does the GraphQL work; this only moves bytes and enforces the body limit.
 */
export function createHttpHandler<TContext extends BaseContext>(options: HttpServiceOptions<TContext>) {
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    markArrival(req); // Before any await: answer-time bounds count from here (request-age.ts).
    const url = new URL(req.url ?? '/', 'http://localhost');
    const stopTimer = options.metrics.requestDuration.startTimer({ route: url.pathname });
    try {
      const extra = options.routes?.[url.pathname];
      if (extra) return await extra(req, res);
      if (url.pathname === '/health') return sendJson(res, 200, { status: 'ok' });
      if (url.pathname === '/ready') {
        const ready = options.ready ? await options.ready() : true;
        return sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not-ready' });
      }
      if (url.pathname === '/metrics') {
        res.writeHead(200, { 'content-type': options.metrics.registry.contentType });
        res.end(await options.metrics.registry.metrics());
        return;
      }
      if (url.pathname !== '/graphql' && url.pathname !== '/') return sendJson(res, 404, { error: 'not found' });
      await serveGraphql(options, req, res, url, maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        return sendJson(res, 413, {
          errors: [{ message: `Request body exceeds ${maxBodyBytes} bytes`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }],
        });
      }
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      else res.destroy();
    } finally {
      stopTimer();
    }
  };
}

async function serveGraphql<TContext extends BaseContext>(
  options: HttpServiceOptions<TContext>,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  maxBodyBytes: number,
): Promise<void> {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const raw = await readBody(req, maxBodyBytes);
  let body: unknown = raw;
  if ((headers.get('content-type') ?? '').includes('application/json') && raw.length > 0) {
    try {
      body = JSON.parse(raw);
    } catch {
      return sendJson(res, 400, { errors: [{ message: 'Request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
    }
  }
  options.metrics.graphqlRequests.inc({ operation_type: req.method === 'GET' ? 'get' : 'post' });
  const response = await options.apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
    context: () => options.context({ req }),
  });
  for (const [key, value] of response.headers) res.setHeader(key, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(payload));
}

/**
 * Connections the kernel may hold for the server before it accepts them. Node's default, 511,
 * is smaller than a flash sale's burst (1,200 calls at once at the gateway, and as many subgraph
 * connections from it): past it the kernel drops new connections' SYNs, and each dropped client
 * retries only after 1 s, then 3 s (Linux's SYN retransmission), which a 3 s answer bound cannot
 * absorb. Held in the queue instead, a connection waits only for the event loop's next accept.
 * The kernel caps it at net.core.somaxconn (4096 on current kernels).
 */
const LISTEN_BACKLOG = 4096;

/** Starts listening; port 0 picks a free port. */
export async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  port: number,
  host = '127.0.0.1',
): Promise<RunningHttpService> {
  const server = createServer((req, res) => void handler(req, res));
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    port: address.port,
    url: `http://${host}:${address.port}/graphql`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
