import {
  ConfigError,
  readBoolean,
  readEnvironment,
  readInt,
  readInternalSecret,
  readOptionalString,
  readPort,
  readString,
  type RuntimeEnvironment,
} from '@mesh/server-kit';

import { readGovernanceConfig, type GovernanceConfig } from './governance/governance-config.js';
import { readSubgraphUrlOverrides } from './supergraph/subgraph-routes.js';

/** Where bearer tokens are verified: a dev secret in development, a JWKS URL in production. */
export type TokenVerification =
  | { readonly kind: 'dev-secret'; readonly secret: string; readonly issuer: string; readonly audience: string }
  | { readonly kind: 'jwks'; readonly jwksUrl: string; readonly issuer: string; readonly audience: string };

export interface GatewayConfig {
  readonly environment: RuntimeEnvironment;
  readonly host: string;
  readonly port: number;
  readonly supergraphPath: string;
  /** How often the supergraph file is checked for changes, in ms (SUPERGRAPH_POLL_MS, default 1000; 0 turns reloading off). */
  readonly supergraphPollMs: number;
  /**
   * Whether @apollo/gateway may send its usage data (uptime, CPU, memory, cloud metadata) to
   * Apollo (APOLLO_TELEMETRY=true; default off: a retailer's gateway calls nobody it was not told to).
   */
  readonly apolloTelemetry: boolean;
  /**
   * Subgraph URLs that replace the supergraph's own `join__graph` URLs, keyed by the subgraph's
   * name upper-cased with non-alphanumerics as `_` (see subgraph-routes.ts).
   */
  readonly subgraphUrlOverrides: Readonly<Record<string, string>>;
  /** Every subgraph fetch is aborted after this many milliseconds. */
  readonly subgraphTimeoutMs: number;
  /** Identical subgraph queries in flight at once share one fetch (SHARE_INFLIGHT_QUERIES, default true). */
  readonly shareInflightQueries: boolean;
  readonly internalSecret: string;
  readonly tokens: TokenVerification;
  readonly maxBodyBytes: number;
  /** Apollo Sandbox on the landing page: on outside production unless turned off. */
  readonly sandbox: boolean;
  /** The clienteling page at /clienteling (live availability and pickups): on outside production unless CLIENTELING=false. */
  readonly clienteling: boolean;
  /** The operations console (console/dist) at /console/: on outside production unless CONSOLE=false; CONSOLE=true serves it in production too. */
  readonly console: boolean;
  readonly subscriptions: SubscriptionLimits;
  /** Who a client is, how much it may ask, and which operations it may send. */
  readonly governance: GovernanceConfig;
}

/** graphql-ws on /graphql: who may open a socket and how much each client may hold open. */
export interface SubscriptionLimits {
  /** Browser origins allowed besides the gateway's own (WS_ALLOWED_ORIGINS, comma-separated). Requests without Origin (non-browser clients) pass. */
  readonly allowedOrigins: readonly string[];
  /** Open sockets per client address (through the trusted proxy chain), and per signed-in subject (WS_MAX_SOCKETS_PER_CLIENT, default 10). */
  readonly maxSocketsPerClient: number;
  /** Active subscriptions per socket (WS_MAX_SUBSCRIPTIONS_PER_SOCKET, default 25). */
  readonly maxSubscriptionsPerSocket: number;
  /** A socket that sends no connection_init within this is closed with 4408 (WS_CONNECTION_INIT_TIMEOUT_MS, default 3000). */
  readonly connectionInitTimeoutMs: number;
  /** Ping interval towards clients and subgraphs (WS_KEEP_ALIVE_MS, default 12000). */
  readonly keepAliveMs: number;
  /** Longest wait between attempts to resubscribe to a subgraph that went away (WS_UPSTREAM_RETRY_MAX_MS, default 10000). */
  readonly upstreamRetryMaxMs: number;
  /** Events written to a client socket but not yet flushed before that subscription ends with SLOW_CONSUMER (WS_MAX_BUFFERED_EVENTS, default 1000). */
  readonly maxBufferedEvents: number;
}

export const DEV_TOKEN_SECRET = 'dev-only-token-secret-do-not-use-in-production';
export const DEFAULT_ISSUER = 'retail-mesh-dev';
export const DEFAULT_AUDIENCE = 'retail-mesh';

/**
 * Reads the gateway's configuration: GATEWAY_PORT, HOST, SUPERGRAPH_PATH, SUPERGRAPH_POLL_MS, APOLLO_TELEMETRY,
 * SUBGRAPH_URL_<NAME> / SUBGRAPH_URLS / <NAME>_URL overrides,
 * SUBGRAPH_TIMEOUT_MS, SHARE_INFLIGHT_QUERIES, MESH_INTERNAL_SECRET, AUTH_JWKS_URL / AUTH_DEV_SECRET, AUTH_ISSUER,
 * AUTH_AUDIENCE, MAX_BODY_BYTES, SANDBOX, CLIENTELING, CONSOLE, and the WS_* subscription limits.
 */
export function readGatewayConfig(env: Readonly<Record<string, string | undefined>> = process.env, defaultSupergraphPath: string): GatewayConfig {
  const environment = readEnvironment(env);
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
    supergraphPollMs: readInt(env, 'SUPERGRAPH_POLL_MS', 1000, { min: 0, max: 3_600_000 }),
    apolloTelemetry: readBoolean(env, 'APOLLO_TELEMETRY', false),
    subgraphUrlOverrides: readSubgraphUrlOverrides(env),
    subgraphTimeoutMs: readInt(env, 'SUBGRAPH_TIMEOUT_MS', 10_000, { min: 10, max: 120_000 }),
    shareInflightQueries: readBoolean(env, 'SHARE_INFLIGHT_QUERIES', true),
    internalSecret: readInternalSecret(env),
    tokens,
    maxBodyBytes: readInt(env, 'MAX_BODY_BYTES', 1024 * 1024, { min: 1024 }),
    sandbox: environment !== 'production' && env['SANDBOX'] !== 'false',
    clienteling: environment !== 'production' && env['CLIENTELING'] !== 'false',
    console: readBoolean(env, 'CONSOLE', environment !== 'production'),
    subscriptions: Object.freeze({
      allowedOrigins: Object.freeze(readOrigins(env['WS_ALLOWED_ORIGINS'])),
      maxSocketsPerClient: readInt(env, 'WS_MAX_SOCKETS_PER_CLIENT', 10, { min: 1, max: 100_000 }),
      maxSubscriptionsPerSocket: readInt(env, 'WS_MAX_SUBSCRIPTIONS_PER_SOCKET', 25, { min: 1, max: 10_000 }),
      connectionInitTimeoutMs: readInt(env, 'WS_CONNECTION_INIT_TIMEOUT_MS', 3000, { min: 100, max: 60_000 }),
      keepAliveMs: readInt(env, 'WS_KEEP_ALIVE_MS', 12_000, { min: 100, max: 300_000 }),
      upstreamRetryMaxMs: readInt(env, 'WS_UPSTREAM_RETRY_MAX_MS', 10_000, { min: 50, max: 300_000 }),
      maxBufferedEvents: readInt(env, 'WS_MAX_BUFFERED_EVENTS', 1000, { min: 1, max: 100_000 }),
    }),
    governance: readGovernanceConfig(env, environment),
  });
}

function readOrigins(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      try {
        return new URL(entry).origin;
      } catch {
        throw new ConfigError(`WS_ALLOWED_ORIGINS: "${entry}" is not an origin such as https://store.example.com`);
      }
    });
}
