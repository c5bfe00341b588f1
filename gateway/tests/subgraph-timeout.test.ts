import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type RunningHttpService } from '@mesh/server-kit';
import { loadGatewayConfig, startGateway } from '../src/module.js';

// A subgraph that accepts the connection and never answers: without a timeout the gateway
// would hold the client's request for as long as the socket lives.
let silent: Server;
let gateway: RunningHttpService;

before(async () => {
  silent = createServer(() => {});
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/graphql`;
  const config = loadGatewayConfig({
    NODE_ENV: 'test',
    GATEWAY_PORT: '0',
    SUBGRAPH_TIMEOUT_MS: '300',
    PRODUCT_URL: url,
    INVENTORY_URL: url,
    ORDER_URL: url,
    CUSTOMER_URL: url,
    LEDGER_URL: url,
  });
  gateway = await startGateway(config, createLogger('gateway', { LOG_LEVEL: 'silent' }));
});
after(async () => {
  await gateway?.close();
  silent?.closeAllConnections();
  silent?.close();
});

test('a subgraph that never answers costs the client the configured timeout, not forever, and the error says so', async () => {
  const started = Date.now();
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ products(first: 1) { totalCount } }' }),
  });
  const elapsed = Date.now() - started;
  const body = (await response.json()) as { data: unknown; errors: { extensions: { code: string; serviceName: string } }[] };
  assert.equal(body.errors[0]?.extensions.code, 'SUBGRAPH_TIMEOUT');
  assert.equal(body.errors[0]?.extensions.serviceName, 'product');
  // Without the timeout the request would wait as long as the socket lives (undici gives up on
  // headers after 300 s): any bound far below that shows the 300 ms timeout answered, and leaves a
  // loaded machine room to start the gateway's first plan.
  assert.ok(elapsed < 30_000, `answered after ${elapsed} ms`);
});
