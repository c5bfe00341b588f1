import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import type { RunningHttpService } from '@mesh/server-kit';
import { signDevToken } from '../../src/dev-tokens.js';
import { composeToySupergraph, startToySubgraphs, type RunningToySubgraphs } from '../supergraph/toy-subgraphs.js';
import { codeOf, post, startGatewayOn, writeSupergraph } from '../supergraph/gateway-kit.js';

// Limits per client on one replica (counters in memory): a client is its token subject, else its
// address, read through X-Forwarded-For only from a configured proxy and only as many hops as
// configured. The WebSocket caps count the same identity.

let toys: RunningToySubgraphs;
/** Behind one trusted proxy (this test, at 127.0.0.1): 5 requests a minute, a 50-point budget, 1 socket per client. */
let behindProxy: RunningHttpService;
/** Trusts proxies at 10.0.0.0/8 only: this test's 127.0.0.1 is an untrusted peer. */
let untrustedPeer: RunningHttpService;
const CHEAP = '{ missionPage(first: 2) { name } }'; // cost 2
const PAGE = '{ missionPage(first: 2) { name crew { name } } }'; // cost 22

before(async () => {
  toys = await startToySubgraphs();
  const path = writeSupergraph(composeToySupergraph(toys.urls));
  behindProxy = await startGatewayOn(path, {
    TRUSTED_PROXIES: '127.0.0.1',
    TRUSTED_PROXY_HOPS: '1',
    RATE_LIMIT_REQUESTS: '5',
    COST_BUDGET: '50',
    WS_MAX_SOCKETS_PER_CLIENT: '1',
  });
  untrustedPeer = await startGatewayOn(path, { TRUSTED_PROXIES: '10.0.0.0/8', RATE_LIMIT_REQUESTS: '5' });
});
after(async () => {
  await behindProxy?.close();
  await untrustedPeer?.close();
  await toys?.close();
});

const bearer = async (subject: string) => ({ authorization: `Bearer ${await signDevToken({ role: 'analyst', subject })}` });

test('a flood from one client is refused with 429, Retry-After and RATE_LIMITED, while other clients keep their share', async () => {
  const flooder = await bearer('flooder');
  for (let i = 0; i < 5; i += 1) assert.equal((await post(behindProxy.url, { query: CHEAP }, flooder)).status, 200);
  const refused = await post(behindProxy.url, { query: CHEAP }, flooder);
  assert.equal(refused.status, 429);
  assert.equal(codeOf(refused), 'RATE_LIMITED');
  const retryAfter = Number(refused.headers.get('retry-after'));
  assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
  assert.equal(refused.body.data, undefined);
  // Another subject, and an anonymous client, are counted apart.
  assert.equal((await post(behindProxy.url, { query: CHEAP }, await bearer('neighbour'))).status, 200);
  assert.equal((await post(behindProxy.url, { query: CHEAP }, { 'x-forwarded-for': '203.0.113.7' })).status, 200);
});

test('behind the trusted proxy anonymous clients are told apart by the forwarded address, and a hop forged before the proxy is not believed', async () => {
  const first = { 'x-forwarded-for': '198.51.100.1' };
  for (let i = 0; i < 5; i += 1) assert.equal((await post(behindProxy.url, { query: CHEAP }, first)).status, 200);
  assert.equal((await post(behindProxy.url, { query: CHEAP }, first)).status, 429);
  assert.equal((await post(behindProxy.url, { query: CHEAP }, { 'x-forwarded-for': '198.51.100.2' })).status, 200);
  // The client wrote "192.0.2.99" itself; the proxy appended the address it saw. One hop is trusted, so only the latter counts.
  const forged = await post(behindProxy.url, { query: CHEAP }, { 'x-forwarded-for': '192.0.2.99, 198.51.100.1' });
  assert.equal(forged.status, 429);
  assert.equal(codeOf(forged), 'RATE_LIMITED');
});

test('X-Forwarded-For from a peer that is not a trusted proxy is ignored: forging a new address per request does not escape the limit', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 7; i += 1) statuses.push((await post(untrustedPeer.url, { query: CHEAP }, { 'x-forwarded-for': `192.0.2.${i + 1}` })).status);
  assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
});

test('a cost budget spent mid-window refuses the next operation with 429 and COST_BUDGET_EXCEEDED, charges nothing for it, and leaves other clients theirs', async () => {
  const spender = await bearer('spender');
  const first = await post(behindProxy.url, { query: PAGE }, spender);
  assert.deepEqual(first.body.extensions?.['cost'], { estimated: 22, max: 200_000, budgetRemaining: 28 });
  const second = await post(behindProxy.url, { query: PAGE }, spender);
  assert.deepEqual(second.body.extensions?.['cost'], { estimated: 22, max: 200_000, budgetRemaining: 6 });
  const refused = await post(behindProxy.url, { query: PAGE }, spender);
  assert.equal(refused.status, 429);
  assert.equal(codeOf(refused), 'COST_BUDGET_EXCEEDED');
  assert.ok(Number(refused.headers.get('retry-after')) >= 1);
  assert.deepEqual(refused.body.errors?.[0]?.extensions?.['cost'], { estimated: 22, budgetRemaining: 6 });
  // The refused operation was given back: a cheap one still fits in the 6 points left.
  const cheap = await post(behindProxy.url, { query: CHEAP }, spender);
  assert.deepEqual(cheap.body.extensions?.['cost'], { estimated: 2, max: 200_000, budgetRemaining: 4 });
  assert.equal((await post(behindProxy.url, { query: PAGE }, await bearer('saver'))).status, 200);
});

/** Opens a graphql-ws socket with the given headers; resolves with the socket, or the HTTP status that refused the upgrade. */
function openSocket(url: string, headers: Record<string, string>): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws', { headers });
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_req, response) => resolve(response.statusCode ?? 0));
    socket.once('error', reject);
  });
}

test('the WebSocket cap counts the same client identity: the forwarded address behind the trusted proxy', async () => {
  const first = await openSocket(behindProxy.url, { 'x-forwarded-for': '198.51.100.50' });
  assert.ok(first instanceof WebSocket);
  assert.equal(await openSocket(behindProxy.url, { 'x-forwarded-for': '198.51.100.50' }), 429);
  assert.equal(await openSocket(behindProxy.url, { 'x-forwarded-for': '192.0.2.1, 198.51.100.50' }), 429);
  const other = await openSocket(behindProxy.url, { 'x-forwarded-for': '198.51.100.51' });
  assert.ok(other instanceof WebSocket);
  for (const socket of [first, other]) {
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.close();
    await closed;
  }
});
