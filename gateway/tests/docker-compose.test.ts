import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { readSubgraphConfig } from '@mesh/server-kit';
import { SUBGRAPHS } from '@mesh/mesh-runner';
import { readOrderRuntimeSettings } from '@mesh/order-subgraph';
import { DEFAULT_SUPERGRAPH_PATH, readGatewayConfig } from '../src/module.js';

// There is no Docker engine here, so this keeps docker-compose.yml honest instead: every
// variable it sets is one the service's own config reads, and the ports and URLs agree.

interface ComposeService {
  environment?: Record<string, string>;
  ports?: string[];
}
const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8')) as { services: Record<string, ComposeService> };
/** Read by something other than the config readers: the image's entry point and the logger. */
const READ_ELSEWHERE = new Set(['SERVICE', 'LOG_LEVEL']);

/** Resolves `${VAR:?message}` / `${VAR:-default}` the way compose would, with stand-in secrets. */
function resolveEnvironment(environment: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(environment).map(([key, value]) => [
      key,
      String(value).replace(/\$\{([A-Z_]+)(?::[-?]([^}]*))?\}/g, (_match, name: string, fallback?: string) =>
        name === 'MESH_INTERNAL_SECRET' ? 's'.repeat(40) : name === 'AUTH_JWKS_URL' ? 'https://idp.example.com/.well-known/jwks.json' : (fallback ?? name.toLowerCase()),
      ),
    ]),
  );
}

/** Runs a config reader over an environment and returns the variable names it looked at. */
function namesRead(environment: Record<string, string>, read: (env: Record<string, string | undefined>) => unknown): { result: unknown; names: Set<string> } {
  const names = new Set<string>();
  const env = new Proxy(environment, {
    get(target, key) {
      if (typeof key === 'string') names.add(key);
      return Reflect.get(target, key);
    },
  });
  return { result: read(env), names };
}

test('the compose file runs the database, the broker, the five subgraphs and the gateway', () => {
  assert.deepEqual(Object.keys(compose.services).sort(), ['customer', 'gateway', 'inventory', 'ledger', 'mongo', 'nats', 'order', 'product']);
  assert.deepEqual(compose.services['gateway']?.ports, ['4000:4000']);
});

for (const name of SUBGRAPHS) {
  test(`the ${name} service sets only variables its config reads, in production mode, on the replica set`, () => {
    const environment = resolveEnvironment(compose.services[name]?.environment ?? {});
    const { result, names } = namesRead(environment, (env) => readSubgraphConfig(name, 0, env));
    const config = result as ReturnType<typeof readSubgraphConfig>;
    // Domain-specific settings are read by the domain's own reader.
    if (name === 'order') {
      const order = namesRead(environment, (env) => readOrderRuntimeSettings(env));
      for (const key of order.names) names.add(key);
      assert.equal((order.result as ReturnType<typeof readOrderRuntimeSettings>).productUrl, 'http://product:4001/graphql');
    }
    for (const key of Object.keys(environment)) if (!READ_ELSEWHERE.has(key)) assert.ok(names.has(key), `${name} sets ${key}, which nothing reads`);
    assert.equal(config.environment, 'production');
    assert.equal(config.seed, false);
    assert.match(config.mongoUri, /^mongodb:\/\/mongo:27017\/.*replicaSet=rs0/);
    assert.equal(config.dbName, `mesh_${name}`);
    assert.equal(config.natsUrl, 'nats://nats:4222');
  });
}

test('the gateway reaches each subgraph at the port that subgraph listens on, and verifies tokens by JWKS', () => {
  const environment = resolveEnvironment(compose.services['gateway']?.environment ?? {});
  const { result, names } = namesRead(environment, (env) => readGatewayConfig(env, DEFAULT_SUPERGRAPH_PATH));
  const config = result as ReturnType<typeof readGatewayConfig>;
  for (const key of Object.keys(environment)) if (!READ_ELSEWHERE.has(key)) assert.ok(names.has(key), `gateway sets ${key}, which nothing reads`);
  assert.equal(config.tokens.kind, 'jwks');
  assert.equal(config.sandbox, false);
  for (const name of SUBGRAPHS) {
    const subgraph = readSubgraphConfig(name, 0, resolveEnvironment(compose.services[name]?.environment ?? {}));
    assert.equal(config.subgraphUrlOverrides[name.toUpperCase()], `http://${name}:${subgraph.port}/graphql`);
  }
});
