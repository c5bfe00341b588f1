import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { REQUEST_AGE_HEADER, type RunningHttpService } from '@mesh/server-kit';
import { startGatewayOverStub } from './gateway-over-stub.js';

// A subgraph that notes the age the gateway announces with each fetch and answers at once.
let subgraph: Server;
let gateway: RunningHttpService;
const announced: (string | undefined)[] = [];

before(async () => {
  subgraph = createServer((req: IncomingMessage, res) => {
    const header = req.headers[REQUEST_AGE_HEADER];
    announced.push(Array.isArray(header) ? header[0] : header);
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: { products: { totalCount: 1 } } }));
    });
  });
  gateway = await startGatewayOverStub(subgraph);
});
after(async () => {
  await gateway?.close();
  subgraph?.closeAllConnections();
  subgraph?.close();
});

test("each subgraph fetch tells the subgraph how long the client's request has been in the gateway (an age in ms, no longer than the call)", async () => {
  const started = performance.now();
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ products(first: 1) { totalCount } }' }),
  });
  const elapsed = performance.now() - started;
  assert.equal(response.status, 200);
  assert.equal(announced.length, 1);
  const age = Number(announced[0]);
  assert.ok(Number.isInteger(age) && age >= 0, `announced ${announced[0]}`);
  assert.ok(age <= elapsed, `announced ${age} ms of a call that took ${Math.round(elapsed)} ms`);
});
