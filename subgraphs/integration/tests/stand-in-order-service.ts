import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One GraphQL request as the stand-in received it. */
export interface OrderServiceRequest {
  readonly query: string;
  readonly variables: Record<string, unknown>;
  readonly headers: IncomingHttpHeaders;
}

/** The order service as the integration subgraph calls it, on an ephemeral port (not a test file itself). */
export interface StandInOrderService {
  /** Its GraphQL endpoint. */
  readonly url: string;
  /** While false it answers every request 503 "restarting", as an order service that is down. */
  up: boolean;
  close(): Promise<void>;
}

/** Starts a stand-in that answers each request `{ data: answer(request) }`; `up` to begin with. */
export async function startStandInOrderService(answer: (request: OrderServiceRequest) => unknown, up = true): Promise<StandInOrderService> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (!service.up) return void res.writeHead(503, { 'content-type': 'application/json' }).end('{"errors":[{"message":"restarting"}]}');
      const { query, variables } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query: string; variables: Record<string, unknown> };
      const data = answer({ query, variables, headers: req.headers });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const service: StandInOrderService = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    up,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return service;
}
