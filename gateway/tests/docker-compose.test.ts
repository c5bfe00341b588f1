import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { readSubgraphConfig } from '@mesh/server-kit';
import { SUBGRAPHS } from '@mesh/mesh-runner';
import { readGatewayEnvironment, readSubgraphEnvironment } from './service-environment.js';

// There is no Docker engine here, so this keeps docker-compose.yml honest instead: every
// variable it sets is one the service's own config reads, and the ports and URLs agree
// (service-environment.ts runs the readers; the Kubernetes manifests' test shares it).

interface ComposeService {
  environment?: Record<string, string>;
  ports?: string[];
}
const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8')) as { services: Record<string, ComposeService> };

/** Resolves `${VAR:?message}` / `${VAR:-default}` the way compose would, with stand-in secrets. */
function resolveEnvironment(environment: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(environment).map(([key, value]) => [
      key,
      String(value).replace(/\$\{([A-Z_]+)(?::[-?]([^}]*))?\}/g, (_match, name: string, fallback?: string) =>
        name === 'MESH_INTERNAL_SECRET' ? 's'.repeat(40) : name === 'SHOPIFY_WEBHOOK_SECRET' || name === 'FULFILMENT_WEBHOOK_SECRET' ? 'webhook-signing-key' : name === 'AUTH_JWKS_URL' ? 'https://idp.example.com/.well-known/jwks.json' : (fallback ?? name.toLowerCase()),
      ),
    ]),
  );
}

test('the compose file runs the database, the broker, the six subgraphs and the gateway', () => {
  assert.deepEqual(Object.keys(compose.services).sort(), ['customer', 'gateway', 'integration', 'inventory', 'ledger', 'mongo', 'nats', 'order', 'product']);
  assert.deepEqual(compose.services['gateway']?.ports, ['4000:4000']);
});

for (const name of SUBGRAPHS) {
  test(`the ${name} service sets only variables its config reads, in production mode, on the replica set`, () => {
    const { config, order, integration } = readSubgraphEnvironment(name, resolveEnvironment(compose.services[name]?.environment ?? {}));
    if (name === 'order') assert.equal(order?.productUrl, 'http://product:4001/graphql');
    if (name === 'integration') assert.equal(integration?.orderUrl, 'http://order:4003/graphql');
    assert.equal(config.environment, 'production');
    assert.equal(config.seed, false);
    assert.match(config.mongoUri, /^mongodb:\/\/mongo:27017\/.*replicaSet=rs0/);
    assert.equal(config.dbName, `mesh_${name}`);
    assert.equal(config.natsUrl, 'nats://nats:4222');
  });
}

test('the gateway reaches each subgraph at the port that subgraph listens on, and verifies tokens by JWKS', () => {
  const config = readGatewayEnvironment(resolveEnvironment(compose.services['gateway']?.environment ?? {}));
  assert.equal(config.tokens.kind, 'jwks');
  assert.equal(config.sandbox, false);
  for (const name of SUBGRAPHS) {
    const subgraph = readSubgraphConfig(name, 0, resolveEnvironment(compose.services[name]?.environment ?? {}));
    assert.equal(config.subgraphUrlOverrides[name.toUpperCase()], `http://${name}:${subgraph.port}/graphql`);
  }
});
