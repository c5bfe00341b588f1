import proxyaddr from 'proxy-addr';
import { ConfigError, parseJsonObject, readInt, readOptionalString, type RuntimeEnvironment } from '@mesh/server-kit';

type Env = Readonly<Record<string, string | undefined>>;

/** What the gateway does with operations that are not in the persisted-operation manifest. */
export type TrustedOperationMode = 'off' | 'log' | 'enforce';

/** Who a client is when it has no token: its address, read through the proxies in front of the gateway. */
export interface ClientAddressConfig {
  /** Addresses or CIDRs of the proxies whose X-Forwarded-For is believed (TRUSTED_PROXIES, comma-separated). */
  readonly trustedProxies: readonly string[];
  /** How many proxy hops, nearest first, may be taken from X-Forwarded-For (TRUSTED_PROXY_HOPS; default 1 with TRUSTED_PROXIES, else 0). */
  readonly trustedProxyHops: number;
}

export interface GovernanceConfig {
  readonly clientAddress: ClientAddressConfig;
  /** Requests per client per window (RATE_LIMIT_REQUESTS; 0 = off; default 6000 in production, off elsewhere). */
  readonly requestsPerWindow: number;
  /** RATE_LIMIT_WINDOW_SECONDS, default 60. */
  readonly requestWindowSeconds: number;
  /** Estimated cost per client per window (COST_BUDGET; 0 = off; default 5,000,000 in production, off elsewhere). */
  readonly costBudgetPerWindow: number;
  /** COST_BUDGET_WINDOW_SECONDS, default 60. */
  readonly costBudgetWindowSeconds: number;
  /** REDIS_URL: replicas share rate-limit and budget counters through it; unset keeps them in memory. */
  readonly redisUrl: string | undefined;
  readonly operationLimits: OperationLimitsConfig;
  readonly trustedOperations: TrustedOperationsConfig;
  /** Introspection and field suggestions: on outside production only. */
  readonly introspection: boolean;
}

export interface OperationLimitsConfig {
  /** MAX_DEPTH, default 15 (the deepest retail page, customer -> orders -> lines -> variant -> availability -> levels -> location, fits). */
  readonly maxDepth: number;
  /** MAX_ALIASES, default 30. */
  readonly maxAliases: number;
  /** MAX_DIRECTIVES, default 50. */
  readonly maxDirectives: number;
  /** MAX_TOKENS, default 5000. */
  readonly maxTokens: number;
  /** MAX_OPERATION_COST, default 200,000 (see operation-cost.ts for how cost is counted). */
  readonly maxCost: number;
  /** DEFAULT_LIST_SIZE: the size assumed for a list with no slicing argument and no declared size, default 10. */
  readonly defaultListSize: number;
  /** LIST_SIZES: declared sizes of lists without arguments, JSON {"Type.field": n}; wins over the schema's @listSize. */
  readonly listSizes: Readonly<Record<string, number>>;
}

export interface TrustedOperationsConfig {
  /** PERSISTED_OPERATIONS_PATH: an Apollo persisted-query manifest or a GraphQL Code Generator persisted-documents file. */
  readonly manifestPath: string | undefined;
  /** TRUSTED_OPERATIONS: `client=mode` pairs, `*` for every other client (default `*=log` with a manifest, else `*=off`). */
  readonly modes: Readonly<Record<string, TrustedOperationMode>>;
  readonly defaultMode: TrustedOperationMode;
  /** The request header that names the client type (TRUSTED_OPERATIONS_CLIENT_HEADER, default apollographql-client-name). */
  readonly clientHeader: string;
  /** Staff tokens and Sandbox may send free-form operations: true outside production only. */
  readonly freeFormForStaff: boolean;
}

export function readGovernanceConfig(env: Env, environment: RuntimeEnvironment): GovernanceConfig {
  const production = environment === 'production';
  const trustedProxies = readList(env['TRUSTED_PROXIES']);
  try {
    proxyaddr.compile([...trustedProxies]);
  } catch (error) {
    throw new ConfigError(`TRUSTED_PROXIES: ${error instanceof Error ? error.message : String(error)}`);
  }
  return Object.freeze({
    clientAddress: Object.freeze({
      trustedProxies: Object.freeze(trustedProxies),
      trustedProxyHops: readInt(env, 'TRUSTED_PROXY_HOPS', trustedProxies.length > 0 ? 1 : 0, { min: 0, max: 16 }),
    }),
    requestsPerWindow: readInt(env, 'RATE_LIMIT_REQUESTS', production ? 6000 : 0, { min: 0 }),
    requestWindowSeconds: readInt(env, 'RATE_LIMIT_WINDOW_SECONDS', 60, { min: 1, max: 86_400 }),
    costBudgetPerWindow: readInt(env, 'COST_BUDGET', production ? 5_000_000 : 0, { min: 0 }),
    costBudgetWindowSeconds: readInt(env, 'COST_BUDGET_WINDOW_SECONDS', 60, { min: 1, max: 86_400 }),
    redisUrl: readOptionalString(env, 'REDIS_URL'),
    operationLimits: Object.freeze({
      maxDepth: readInt(env, 'MAX_DEPTH', 15, { min: 1, max: 1000 }),
      maxAliases: readInt(env, 'MAX_ALIASES', 30, { min: 0, max: 10_000 }),
      maxDirectives: readInt(env, 'MAX_DIRECTIVES', 50, { min: 0, max: 10_000 }),
      maxTokens: readInt(env, 'MAX_TOKENS', 5000, { min: 100, max: 1_000_000 }),
      maxCost: readInt(env, 'MAX_OPERATION_COST', 200_000, { min: 1 }),
      defaultListSize: readInt(env, 'DEFAULT_LIST_SIZE', 10, { min: 1, max: 100_000 }),
      listSizes: readListSizes(env['LIST_SIZES']),
    }),
    trustedOperations: readTrustedOperations(env, production),
    introspection: !production,
  });
}

function readTrustedOperations(env: Env, production: boolean): TrustedOperationsConfig {
  const manifestPath = readOptionalString(env, 'PERSISTED_OPERATIONS_PATH');
  const modes: Record<string, TrustedOperationMode> = {};
  let defaultMode: TrustedOperationMode = manifestPath ? 'log' : 'off';
  for (const pair of readList(env['TRUSTED_OPERATIONS'])) {
    const [client, mode] = pair.split('=').map((part) => part.trim());
    if (!client || (mode !== 'off' && mode !== 'log' && mode !== 'enforce')) {
      throw new ConfigError(`TRUSTED_OPERATIONS: "${pair}" must be client=off|log|enforce (client * for every other client)`);
    }
    if (client === '*') defaultMode = mode;
    else modes[client] = mode;
  }
  if (!manifestPath && (defaultMode !== 'off' || Object.values(modes).some((mode) => mode !== 'off'))) {
    throw new ConfigError('TRUSTED_OPERATIONS needs PERSISTED_OPERATIONS_PATH: the manifest of operations clients may send');
  }
  return Object.freeze({
    manifestPath,
    modes: Object.freeze(modes),
    defaultMode,
    clientHeader: (readOptionalString(env, 'TRUSTED_OPERATIONS_CLIENT_HEADER') ?? 'apollographql-client-name').toLowerCase(),
    freeFormForStaff: !production,
  });
}

function readListSizes(raw: string | undefined): Readonly<Record<string, number>> {
  if (!raw) return Object.freeze({});
  const parsed = parseJsonObject('LIST_SIZES', raw, 'a JSON object such as {"Query.locations": 25}');
  const sizes: Record<string, number> = {};
  for (const [coordinate, size] of Object.entries(parsed)) {
    if (!/^[_A-Za-z][_0-9A-Za-z]*\.[_A-Za-z][_0-9A-Za-z]*$/.test(coordinate)) throw new ConfigError(`LIST_SIZES: "${coordinate}" is not Type.field`);
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) throw new ConfigError(`LIST_SIZES: the size of ${coordinate} must be a whole number`);
    sizes[coordinate] = size;
  }
  return Object.freeze(sizes);
}

function readList(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}
