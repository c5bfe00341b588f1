import { randomUUID } from 'node:crypto';
import { dbCommands } from './db-commands.js';
import {
  GATEWAY_CREDENTIAL_HEADER,
  createLogger,
  secretKey,
  signGatewayCredential,
  startSubgraphService,
  type Principal,
  type RequestContext,
  type Environment,
  type RunningSubgraph,
  type SubgraphModule,
} from '@mesh/server-kit';

/** The internal secret test subgraphs and test requests share. */
export const TEST_INTERNAL_SECRET = 'test-internal-secret-0123456789abcdef';

export interface GraphQLResponse<TData = Record<string, unknown>> {
  readonly status: number;
  readonly data?: TData | null;
  readonly errors?: ReadonlyArray<{ message: string; path?: readonly (string | number)[]; extensions?: Record<string, unknown> }>;
}

export interface TestSubgraph extends RunningSubgraph {
  /** Sends one operation as the gateway would, on behalf of `principal`. */
  request<TData = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, principal?: Principal): Promise<GraphQLResponse<TData>>;
}

export interface TestSubgraphOptions {
  readonly mongoUri: string;
  readonly dbName?: string;
  readonly seed?: boolean;
  readonly natsUrl?: string;
  readonly background?: boolean;
  readonly env?: Environment;
}

/**
 * Starts one subgraph in this process on an ephemeral port, on its own fresh database in the
 * given MongoDB (a real server: see startTestDatabase).
 *
 * `background: false` starts it without the module's background work (its `startBackground`: outbox
 * relays, event consumers, scheduled jobs). For suites that only read and count the database
 * commands their requests cause: a relay sweep or a job pass sends commands at times of its own,
 * which no quiet period before a count can rule out on a loaded machine.
 */
export async function startTestSubgraph<TSettings, TModels, TRuntime, TContext extends RequestContext>(
  module: SubgraphModule<TSettings, TModels, TRuntime, TContext>,
  options: TestSubgraphOptions,
): Promise<TestSubgraph> {
  const running = await startSubgraphService(
    module,
    {
      name: module.name,
      environment: 'test',
      host: '127.0.0.1',
      port: 0,
      mongoUri: options.mongoUri,
      dbName: options.dbName ?? `test_${module.name}_${randomUUID().slice(0, 8)}`,
      internalSecret: TEST_INTERNAL_SECRET,
      seed: options.seed ?? true,
      natsUrl: options.natsUrl,
    },
    createLogger(`${module.name}-subgraph`, { LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'error' }),
    { ...(options.env ? { env: options.env } : {}), ...(options.background === false ? { background: false } : {}) },
  );
  return {
    ...running,
    request: (query, variables, principal) => postGraphQL(running.url, query, variables, principal),
  };
}

/**
 * Waits until the subgraph's start-up work in the background (a relay's first pass, consumers
 * creating their stores) has stopped sending database commands, so that tests which count
 * commands see only what their own requests cause. Quiet means no command for `quietMs`: longer
 * than any pause between two commands of one background pass, also on a loaded machine, where the
 * subgraph or the database may wait a few hundred ms for a core in the middle of a pass.
 * Work that recurs on a timer (a relay sweep, an expiry job) is not start-up work: start such
 * suites with `background: false`, or with the timer set far beyond the suite's run time.
 */
export async function untilDatabaseQuiet(graphqlUrl: string, quietMs = 1000, timeoutMs = 30_000): Promise<void> {
  const commands = () => dbCommands({ url: graphqlUrl }, { includeGetMore: true });
  const deadline = Date.now() + timeoutMs;
  let last = await commands();
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const now = await commands();
    if (now !== last) {
      last = now;
      stableSince = Date.now();
    } else if (Date.now() - stableSince >= quietMs) {
      return;
    }
  }
  throw new Error(`${graphqlUrl} kept sending database commands in the background`);
}

/** POSTs an operation to a subgraph URL with a gateway credential for `principal` (none when undefined). */
export async function postGraphQL<TData>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  principal?: Principal,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<TData>> {
  const credential = principal ? await signGatewayCredential(principal, secretKey(TEST_INTERNAL_SECRET)) : undefined;
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(credential ? { [GATEWAY_CREDENTIAL_HEADER]: credential } : {}),
      ...headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Omit<GraphQLResponse<TData>, 'status'>;
  return { status: response.status, ...body };
}
