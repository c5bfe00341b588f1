import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSubgraphTransport } from '../src/subgraph-transport.js';

// A real HTTP subgraph stand-in: echoes what it received, counts the connections it accepted, and
// never answers a request whose body asks it to hang.
let server: Server;
let url: string;
let connections = 0;
const transport = createSubgraphTransport();

before(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (body.includes('hang')) return;
      const status = body.includes('fail') ? 500 : 200;
      response.writeHead(status, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] });
      response.end(JSON.stringify({ data: { method: request.method, body, credential: request.headers['x-mesh-test'] ?? null } }));
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
after(async () => {
  await transport.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

test('sequential subgraph fetches reuse kept-alive connections instead of opening one each', async () => {
  const before = connections;
  for (let n = 0; n < 20; n++) {
    const response = await transport.fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"query":"{ n${n} }"}` });
    assert.equal(((await response.json()) as { data: { body: string } }).data.body, `{"query":"{ n${n} }"}`);
  }
  // The second fetch may start before the pool has seen the first response end, and open a second.
  assert.ok(connections - before <= 2, `20 fetches opened ${connections - before} connections`);
});

test('the answer holds status, repeated headers and body as the subgraph sent them, read once as a Response is', async () => {
  const response = await transport.fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"fail"}' });
  assert.equal(response.status, 500);
  assert.equal(response.ok, false);
  assert.equal(response.url, url);
  assert.equal(response.headers.get('content-type'), 'application/json');
  assert.deepEqual(response.headers.getSetCookie(), ['a=1', 'b=2']);
  const copy = response.clone();
  assert.deepEqual(await response.json(), { data: { method: 'POST', body: '{"query":"fail"}', credential: null } });
  assert.equal(response.bodyUsed, true);
  await assert.rejects(response.text(), TypeError);
  assert.equal(new TextDecoder().decode(await copy.arrayBuffer()), '{"data":{"method":"POST","body":"{\\"query\\":\\"fail\\"}","credential":null}}');
});

test('headers reach the subgraph, as the plain object @apollo/gateway gives or as Headers', async () => {
  for (const headers of [{ 'content-type': 'application/json', 'x-mesh-test': 'signed-credential' }, new Headers({ 'x-mesh-test': 'signed-credential' })]) {
    const response = await transport.fetch(url, { method: 'POST', headers, body: '{"query":"{ me }"}' });
    assert.equal(((await response.json()) as { data: { credential: string } }).data.credential, 'signed-credential');
  }
});

test('an aborting signal ends a fetch the subgraph never answers with a TimeoutError, as fetch does', async () => {
  const started = Date.now();
  await assert.rejects(
    transport.fetch(url, { method: 'POST', body: '{"query":"hang"}', signal: AbortSignal.timeout(200) }),
    (error: unknown) => error instanceof Error && error.name === 'TimeoutError',
  );
  assert.ok(Date.now() - started < 5_000);
});

test('a method other than GET or POST is refused before anything is sent', async () => {
  await assert.rejects(transport.fetch(url, { method: 'DELETE' }), TypeError);
});
