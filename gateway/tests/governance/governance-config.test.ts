import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@mesh/server-kit';
import { readGatewayConfig } from '../../src/config.js';

// Configuration the gateway cannot act on stops it at start with a message naming the variable.

const read = (env: Record<string, string>) => readGatewayConfig({ NODE_ENV: 'test', ...env }, '/nowhere/supergraph.graphql');

test('subgraph URLs are read by name from SUBGRAPH_URL_<NAME>, SUBGRAPH_URLS and the older <NAME>_URL, the most specific winning', () => {
  const config = read({
    PRODUCT_URL: 'http://old:1/graphql',
    LOYALTY_PROGRAM_URL: 'http://loyalty:1/graphql',
    SUBGRAPH_URLS: JSON.stringify({ product: 'http://json:2/graphql', 'loyalty-program': 'http://json-loyalty:2/graphql' }),
    SUBGRAPH_URL_PRODUCT: 'http://new:3/graphql',
    NATS_URL: 'nats://127.0.0.1:4222',
  });
  assert.equal(config.subgraphUrlOverrides['PRODUCT'], 'http://new:3/graphql');
  assert.equal(config.subgraphUrlOverrides['LOYALTY_PROGRAM'], 'http://json-loyalty:2/graphql');
  assert.equal(config.subgraphUrlOverrides['NATS'], undefined);
});

test('@apollo/gateway sends Apollo nothing unless APOLLO_TELEMETRY=true says it may', () => {
  assert.equal(read({}).apolloTelemetry, false);
  assert.equal(read({ APOLLO_TELEMETRY: 'true' }).apolloTelemetry, true);
});

for (const [what, env, message] of [
  ['a malformed SUBGRAPH_URLS', { SUBGRAPH_URLS: '{product:' }, /SUBGRAPH_URLS/],
  ['a subgraph URL that is not http(s)', { SUBGRAPH_URL_PRODUCT: 'ftp://x' }, /SUBGRAPH_URL_PRODUCT/],
  ['a trusted-proxy list that is not addresses', { TRUSTED_PROXIES: 'the-load-balancer' }, /TRUSTED_PROXIES/],
  ['a list size that is not Type.field', { LIST_SIZES: '{"locations": 25}' }, /LIST_SIZES/],
  ['a trusted-operations mode that does not exist', { PERSISTED_OPERATIONS_PATH: '/m.json', TRUSTED_OPERATIONS: 'web=strict' }, /TRUSTED_OPERATIONS/],
  ['trusted operations without a manifest', { TRUSTED_OPERATIONS: '*=enforce' }, /PERSISTED_OPERATIONS_PATH/],
  ['a negative rate limit', { RATE_LIMIT_REQUESTS: '-1' }, /RATE_LIMIT_REQUESTS/],
] as const) {
  test(`${what} stops the gateway with a ConfigError naming it`, () => {
    assert.throws(
      () => read(env),
      (error: unknown) => error instanceof ConfigError && message.test(error.message),
    );
  });
}

test('production turns introspection off and rate limits and budgets on; development the other way round', () => {
  const production = readGatewayConfig({ NODE_ENV: 'production', AUTH_JWKS_URL: 'https://idp.example/jwks.json', MESH_INTERNAL_SECRET: 's'.repeat(40) }, '/x');
  assert.equal(production.governance.introspection, false);
  assert.ok(production.governance.requestsPerWindow > 0 && production.governance.costBudgetPerWindow > 0);
  assert.equal(production.governance.trustedOperations.freeFormForStaff, false);
  const development = read({ NODE_ENV: 'development' });
  assert.equal(development.governance.introspection, true);
  assert.equal(development.governance.requestsPerWindow, 0);
});
