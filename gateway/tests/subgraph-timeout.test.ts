import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { RunningHttpService } from '@mesh/server-kit';
import { startGatewayOverStub } from './gateway-over-stub.js';

// A subgraph that accepts the connection and never answers: without a timeout the gateway
// would hold the client's request for as long as the socket lives.
let silent: Server;
let gateway: RunningHttpService;

before(async () => {
  silent = createServer(() => {});
  gateway = await startGatewayOverStub(silent, { SUBGRAPH_TIMEOUT_MS: '300' });
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
