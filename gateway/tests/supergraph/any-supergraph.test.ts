import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import type { RunningHttpService } from '@mesh/server-kit';
import { composeToySupergraph, startToySubgraphs, type RunningToySubgraphs } from './toy-subgraphs.js';
import { post, startGatewayOn, writeSupergraph } from './gateway-kit.js';

// Our gateway and plain @apollo/gateway serve the same non-retail supergraph over the same four
// subgraphs; our gateway is given no subgraph URLs at all, so it routes by the supergraph's own
// join__graph URLs. Every answer must be identical.

let toys: RunningToySubgraphs;
let ours: RunningHttpService;
let plain: { server: ApolloServer; url: string };

before(async () => {
  toys = await startToySubgraphs();
  const path = writeSupergraph(composeToySupergraph(toys.urls));
  ours = await startGatewayOn(path);
  const server = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl: readFileSync(path, 'utf8') }) });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  plain = { server, url };
});
after(async () => {
  await ours?.close();
  await plain?.server.stop();
  await toys?.close();
});

const OPERATIONS: readonly { readonly name: string; readonly query: string; readonly variables?: Record<string, unknown> }[] = [
  {
    name: 'an interface list with type-specific fields from three subgraphs (@requires among them)',
    query: `{ bodies { __typename id name ... on Planet { massKg gravityClass visitedBy { name crew { name } } } ... on Moon { planet { name gravityClass } } } }`,
  },
  { name: 'a union', query: `{ observables { __typename ... on Planet { id name } ... on Moon { name planet { id } } ... on Comet { designation } } }` },
  { name: 'a @provides field and entities of a fourth subgraph', query: `{ missions { id name target { id name } crew { id name } } }` },
  {
    name: 'an entity reached by argument, with @requires',
    query: `query Planet($id: ID!) { planet(id: $id) { name gravityClass visitedBy { name target { gravityClass } } } }`,
    variables: { id: 'p2' },
  },
  { name: 'a miss (null) and a sliced list', query: `{ planet(id: "nope") { name } missionPage(first: 2) { name crew { name } } }` },
];

for (const operation of OPERATIONS) {
  test(`our gateway answers ${operation.name} exactly as plain @apollo/gateway does`, async () => {
    const body = { query: operation.query, ...(operation.variables ? { variables: operation.variables } : {}) };
    const [mine, theirs] = await Promise.all([post(ours.url, body), post(plain.url, body)]);
    assert.equal(mine.status, 200);
    assert.equal(mine.body.errors, undefined, JSON.stringify(mine.body.errors));
    assert.ok(mine.body.data && Object.keys(mine.body.data).length > 0);
    assert.deepEqual(mine.body.data, theirs.body.data);
  });
}

test('the cost of a list comes from the schema: @listSize(assumedSize) for a list without arguments, the slicing argument otherwise', async () => {
  const assumed = await post(ours.url, { query: '{ missions { name target { name } } }' });
  assert.deepEqual(assumed.body.extensions?.['cost'], { estimated: 100, max: 200_000 }); // 50 missions x (mission + target)
  const sliced = await post(ours.url, { query: '{ missionPage(first: 2) { name } }' });
  assert.deepEqual(sliced.body.extensions?.['cost'], { estimated: 2, max: 200_000 });
});
