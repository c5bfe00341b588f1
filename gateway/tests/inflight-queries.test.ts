import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { GATEWAY_CREDENTIAL_HEADER } from '@mesh/server-kit';
import { shareInflightQueries } from '../src/inflight-queries.js';
import { createSubgraphTransport } from '../src/subgraph-transport.js';

// A real HTTP subgraph stand-in that answers after 150 ms (or, while `holding`, when released)
// and counts what reaches it.
let server: Server;
let url: string;
let received: string[] = [];
let served = 0;
let holding = false;
const held: (() => void)[] = [];

before(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push(body);
      const answer = JSON.stringify({ data: { n: ++served, credential: request.headers[GATEWAY_CREDENTIAL_HEADER] ?? null } });
      const reply = () => response.writeHead(200, { 'content-type': 'application/json' }).end(answer);
      if (holding && body.startsWith('{"query":"query')) held.push(reply);
      else setTimeout(reply, 150);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
after(async () => {
  await transport.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  received = [];
});

const transport = createSubgraphTransport();
const fetchShared = shareInflightQueries(transport.fetch);
const body = (query: string, variables: Record<string, unknown> = {}) => JSON.stringify({ query, variables });
const send = async (payload: string, credential = 'credential-a') =>
  (await (
    await fetchShared(url, { method: 'POST', headers: { 'content-type': 'application/json', [GATEWAY_CREDENTIAL_HEADER]: credential }, body: payload })
  ).json()) as {
    data: { n: number; credential: string };
  };
const QUERY = body('query Page__product__0($id:ID!){product(id:$id){name}}', { id: 'prod_1' });

/** Polls `condition` every 10 ms; fails after 20 s (patience for a loaded machine) naming `what`. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (const deadline = Date.now() + 20_000; !condition(); await sleep(10)) if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
}

describe('identical subgraph queries in flight share one fetch', () => {
  test('50 identical queries at once reach the subgraph once and each caller parses its own answer', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, () => send(QUERY)));
    assert.equal(received.length, 1);
    assert.equal(new Set(answers.map((answer) => answer.data.n)).size, 1);
    assert.equal(new Set(answers).size, 50, 'every caller gets its own parsed object');
  });

  test('different credentials or variables are never shared', async () => {
    const answers = await Promise.all([send(QUERY, 'credential-a'), send(QUERY, 'credential-b'), send(body('{product(id:"prod_2"){name}}'), 'credential-a')]);
    assert.equal(received.length, 3);
    assert.deepEqual(
      answers.map((answer) => answer.data.credential),
      ['credential-a', 'credential-b', 'credential-a'],
    );
  });

  test('mutations are never shared', async () => {
    const mutation = body('mutation M($k:ID!){placeOrder(key:$k){id}}', { k: 'same' });
    await Promise.all(Array.from({ length: 5 }, () => send(mutation)));
    assert.equal(received.length, 5);
  });

  test('a query that starts after a mutation does not join one that started before it', async () => {
    // The subgraph holds the first query's answer until the second query has been sent, so that the
    // first is still in flight when the second starts (a pause would not promise that under load).
    holding = true;
    const before = send(QUERY);
    await until(() => received.includes(QUERY), 'the first query to reach the subgraph');
    await send(body('mutation { adjustStock { id } }'));
    const afterMutation = send(QUERY);
    await until(() => received.filter((text) => text === QUERY).length === 2, 'the second query to reach the subgraph on its own');
    holding = false;
    held.splice(0).forEach((reply) => reply());
    const [beforeMutation, answered] = await Promise.all([before, afterMutation]);
    assert.equal(received.filter((text) => text === QUERY).length, 2);
    assert.notEqual(answered.data.n, beforeMutation.data.n);
  });

  test('nothing is cached once the shared fetch has answered', async () => {
    const first = await send(QUERY);
    const second = await send(QUERY);
    assert.equal(received.length, 2);
    assert.notEqual(first.data.n, second.data.n);
  });

  test('a failed shared fetch fails every waiter and the next query tries again', async () => {
    const failing = shareInflightQueries(async () => {
      await sleep(50);
      throw new TypeError('fetch failed');
    });
    const attempts = await Promise.allSettled(Array.from({ length: 3 }, () => failing(url, { method: 'POST', body: QUERY })));
    assert.deepEqual(
      attempts.map((attempt) => attempt.status),
      ['rejected', 'rejected', 'rejected'],
    );
    assert.equal((await send(QUERY)).data.credential, 'credential-a');
  });
});
