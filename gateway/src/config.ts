import {
  ConfigError,
  readEnvironment,
  readInt,
  readInternalSecret,
  readOptionalString,
  readPort,
  readString,
  type RuntimeEnvironment,
} from '@mesh/server-kit';

export const SUBGRAPH_NAMES = ['product', 'inventory', 'order', 'customer', 'ledger'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

/** Where bearer tokens are verified: a dev secret in development, a JWKS URL in production. */
export type TokenVerification =
  | { readonly kind: 'dev-secret'; readonly secret: string; readonly issuer: string; readonly audience: string }
  | { readonly kind: 'jwks'; readonly jwksUrl: string; readonly issuer: string; readonly audience: string };

export interface GatewayConfig {
  readonly environment: RuntimeEnvironment;
  readonly host: string;
  readonly port: number;
  readonly supergraphPath: string;
  readonly subgraphUrls: Readonly<Record<SubgraphName, string>>;
  /** Every subgraph fetch is aborted after this many milliseconds. */
  readonly subgraphTimeoutMs: number;
  readonly internalSecret: string;
  readonly tokens: TokenVerification;
  readonly maxBodyBytes: number;
  /** Apollo Sandbox on the landing page: on outside production unless turned off. */
  readonly sandbox: boolean;
}

export const DEV_TOKEN_SECRET = 'dev-only-token-secret-do-not-use-in-production';
export const DEFAULT_ISSUER = 'retail-mesh-dev';
export const DEFAULT_AUDIENCE = 'retail-mesh';
const DEFAULT_PORTS: Readonly<Record<SubgraphName, number>> = { product: 4001, inventory: 4002, order: 4003, customer: 4004, ledger: 4005 };

/**
 * Reads the gateway's configuration: GATEWAY_PORT, HOST, SUPERGRAPH_PATH, <NAME>_URL per subgraph,
 * SUBGRAPH_TIMEOUT_MS, MESH_INTERNAL_SECRET, AUTH_JWKS_URL / AUTH_DEV_SECRET, AUTH_ISSUER,
 * AUTH_AUDIENCE, MAX_BODY_BYTES, SANDBOX.
 */
export function readGatewayConfig(env: Readonly<Record<string, string | undefined>> = process.env, defaultSupergraphPath: string): GatewayConfig {
  const environment = readEnvironment(env);
  const subgraphUrls = Object.fromEntries(
    SUBGRAPH_NAMES.map((name) => [name, readString(env, `${name.toUpperCase()}_URL`, `http://127.0.0.1:${DEFAULT_PORTS[name]}/graphql`)]),
  ) as Record<SubgraphName, string>;
  const issuer = readString(env, 'AUTH_ISSUER', DEFAULT_ISSUER);
  const audience = readString(env, 'AUTH_AUDIENCE', DEFAULT_AUDIENCE);
  const jwksUrl = readOptionalString(env, 'AUTH_JWKS_URL');
  let tokens: TokenVerification;
  if (jwksUrl) tokens = { kind: 'jwks', jwksUrl, issuer, audience };
  else if (environment === 'production') throw new ConfigError('AUTH_JWKS_URL is required in production');
  else tokens = { kind: 'dev-secret', secret: readString(env, 'AUTH_DEV_SECRET', DEV_TOKEN_SECRET), issuer, audience };
  return Object.freeze({
    environment,
    host: readString(env, 'HOST', '127.0.0.1'),
    port: readPort(env, 'GATEWAY_PORT', readPort(env, 'PORT', 4000)),
    supergraphPath: readString(env, 'SUPERGRAPH_PATH', defaultSupergraphPath),
    subgraphUrls: Object.freeze(subgraphUrls),
    subgraphTimeoutMs: readInt(env, 'SUBGRAPH_TIMEOUT_MS', 10_000, { min: 10, max: 120_000 }),
    internalSecret: readInternalSecret(env),
    tokens,
    maxBodyBytes: readInt(env, 'MAX_BODY_BYTES', 1024 * 1024, { min: 1024 }),
    sandbox: environment !== 'production' && env['SANDBOX'] !== 'false',
  });
}
