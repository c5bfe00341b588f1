import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningHttpService } from '@mesh/server-kit';
import { composeToySupergraph, startToySubgraphs, type RunningToySubgraphs } from '../supergraph/toy-subgraphs.js';
import { codeOf, post, startGatewayOn, writeSupergraph } from '../supergraph/gateway-kit.js';

// Every refused operation answers HTTP 400 with its own stable code and reaches no subgraph; the
// cost follows the page size asked for; production turns introspection and suggestions off and
// CSRF prevention stays on everywhere.

let toys: RunningToySubgraphs;
let development: RunningHttpService;
let production: RunningHttpService;
const LIMITS = { MAX_DEPTH: '6', MAX_ALIASES: '3', MAX_DIRECTIVES: '3', MAX_OPERATION_COST: '500', MAX_TOKENS: '100' };

before(async () => {
  toys = await startToySubgraphs();
  const path = writeSupergraph(composeToySupergraph(toys.urls));
  development = await startGatewayOn(path, { NODE_ENV: 'development', ...LIMITS });
  production = await startGatewayOn(path, { NODE_ENV: 'production', AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks.json', ...LIMITS });
});
after(async () => {
  await development?.close();
  await production?.close();
  await toys?.close();
});

const DEEP = '{ planet(id: "p1") { visitedBy { target { visitedBy { target { visitedBy { target { name } } } } } } } }';
const ALIASED = '{ a: missions { id } b: missions { id } c: missions { id } d: missions { id } }';
const DIRECTIVES = '{ missions @include(if: true) { id @include(if: true) name @include(if: true) crew @include(if: true) { id } } }';

for (const [what, query, code] of [
  ['too deep', DEEP, 'OPERATION_TOO_DEEP'],
  ['with too many aliases', ALIASED, 'TOO_MANY_ALIASES'],
  ['with too many directives', DIRECTIVES, 'TOO_MANY_DIRECTIVES'],
  ['too costly for the page asked for', '{ missionPage(first: 100) { crew { name } } }', 'OPERATION_TOO_COSTLY'],
  // graphql's parser stops at MAX_TOKENS; graphql-armor's token plugin answered 500 here.
  ['longer than the token limit', `{ missions { ${'id '.repeat(120)}} }`, 'GRAPHQL_PARSE_FAILED'],
] as const) {
  test(`an operation ${what} answers 400 with ${code} and reaches no subgraph, in production and development alike`, async () => {
    for (const gateway of [development, production]) {
      const before = toys.requests();
      const refused = await post(gateway.url, { query });
      assert.equal(refused.status, 400);
      assert.equal(codeOf(refused), code);
      assert.equal(refused.body.data, undefined);
      assert.equal(toys.requests(), before);
    }
  });
}

test('a GET that is refused answers 400 too', async () => {
  const response = await fetch(`${development.url}?query=${encodeURIComponent(DEEP)}`, { headers: { 'apollo-require-preflight': 'true' } });
  assert.equal(response.status, 400);
  assert.equal(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code, 'OPERATION_TOO_DEEP');
});

test('the cost follows the page asked for: a small page passes with its estimate in extensions, a large one of the same query is refused', async () => {
  const query = 'query Page($n: Int!) { missionPage(first: $n) { name crew { name } } }';
  const small = await post(development.url, { query, variables: { n: 2 } });
  assert.equal(small.status, 200);
  assert.equal((small.body.data?.['missionPage'] as unknown[]).length, 2);
  assert.deepEqual(small.body.extensions?.['cost'], { estimated: 22, max: 500 }); // 2 x (mission + 10 crew by default)
  const large = await post(development.url, { query, variables: { n: 50 } });
  assert.equal(large.status, 400);
  assert.equal(codeOf(large), 'OPERATION_TOO_COSTLY');
  assert.deepEqual(large.body.errors?.[0]?.extensions?.['cost'], { estimated: 550, max: 500 });
});

test('production refuses introspection and hides field suggestions; development allows both', async () => {
  const introspection = '{ __schema { queryType { name } } }';
  const open = await post(development.url, { query: introspection });
  assert.deepEqual(open.body.data, { __schema: { queryType: { name: 'Query' } } });
  const closed = await post(production.url, { query: introspection });
  assert.equal(closed.status, 400);
  assert.equal(codeOf(closed), 'GRAPHQL_VALIDATION_FAILED');
  assert.match(closed.body.errors?.[0]?.message ?? '', /introspection/i);

  const typo = '{ missons { id } }';
  const suggested = await post(development.url, { query: typo });
  assert.match(suggested.body.errors?.[0]?.message ?? '', /Did you mean "missions"/);
  const hidden = await post(production.url, { query: typo });
  assert.equal(codeOf(hidden), 'GRAPHQL_VALIDATION_FAILED');
  assert.doesNotMatch(hidden.body.errors?.[0]?.message ?? '', /Did you mean/);
});

test('CSRF prevention stays on: a simple cross-site GET or text/plain POST is refused before it runs', async () => {
  for (const gateway of [development, production]) {
    const before = toys.requests();
    const get = await fetch(`${gateway.url}?query=${encodeURIComponent('{ missions { id } }')}`);
    assert.equal(get.status, 400);
    const form = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: '{ missions { id } }' }),
    });
    assert.equal(form.status, 400);
    assert.equal(toys.requests(), before);
  }
});
