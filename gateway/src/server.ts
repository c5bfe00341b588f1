import type { IncomingMessage, Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { CORRELATION_ID_HEADER, GatewayCredentialCache, createErrorFormatter, secretKey, type Logger } from '@mesh/server-kit';
import { createBearerAuthenticator } from './bearer-auth.js';
import type { GatewayConfig, SubgraphName } from './config.js';
import type { GatewayContext } from './context.js';
import { OPERATION_LIMITS } from './operation-limits.js';
import { SubgraphDataSource } from './subgraph-data-source.js';
import { shareInflightQueries } from './inflight-queries.js';
import { serveGatewaySubscriptions, type GatewaySubscriptionServer } from './subscriptions/socket-server.js';
import { resumeFromCursor } from './subscriptions/cursor-resume.js';
import { SubscriptionPlanner } from './subscriptions/subscription-planner.js';
import { UpstreamPool, type ResubscribeHook } from './subscriptions/upstream-pool.js';

export interface Gateway {
  readonly apollo: ApolloServer<GatewayContext>;
  readonly context: (args: { req: IncomingMessage }) => Promise<GatewayContext>;
  /** Serves graphql-ws subscriptions on the HTTP server that serves `apollo` (same /graphql URL). */
  serveSubscriptions(server: Server): GatewaySubscriptionServer;
}

export interface GatewayOptions {
  /** How a subscription resubscribes after its subgraph socket dropped (default: `resumeFromCursor`, right after the last event delivered). */
  readonly resubscribe?: ResubscribeHook;
}

/**
 * Builds the gateway from the checked-in supergraph: no side effects until `apollo.start()`.
 * Subgraph URLs come from configuration, not from the supergraph file, so one supergraph serves
 * every environment.
 */
export function createGateway(config: GatewayConfig, logger: Logger, options: GatewayOptions = {}): Gateway {
  const credentials = new GatewayCredentialCache(secretKey(config.internalSecret));
  const supergraphSdl = readFileSync(config.supergraphPath, 'utf8');
  // One sharing fetcher for HTTP queries and subscription events alike: both ask the same questions.
  const subgraphFetch = config.shareInflightQueries ? shareInflightQueries((url, init) => fetch(url, init)) : (url: string, init: RequestInit) => fetch(url, init);
  const dataSource = (name: string) =>
    new SubgraphDataSource({ name, url: config.subgraphUrls[name as SubgraphName] ?? missingSubgraph(name), timeoutMs: config.subgraphTimeoutMs, credentials, fetch: subgraphFetch });
  const gateway = new ApolloGateway({ supergraphSdl, buildService: ({ name }) => dataSource(name), logger });
  const armor = new ApolloArmor({ ...OPERATION_LIMITS, blockFieldSuggestion: { enabled: config.environment === 'production' } });
  const protection = armor.protect();
  // The armor and landing-page plugins are typed against @apollo/server's CommonJS declarations;
  // at run time they are the same objects, so the cast only bridges the two declaration copies.
  const plugins = [
    ...protection.plugins,
    config.sandbox ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }) : ApolloServerPluginLandingPageDisabled(),
  ] as unknown as ApolloServerPlugin<GatewayContext>[];
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: true,
    allowBatchedHttpRequests: false,
    formatError: createErrorFormatter(logger),
    plugins,
    validationRules: [...protection.validationRules],
    includeStacktraceInErrorResponses: false,
    // closeOnSignals owns shutdown; Apollo's own signal handler would race it.
    stopOnTerminationSignals: false,
  });
  const authenticate = createBearerAuthenticator(config.tokens);
  return {
    apollo,
    serveSubscriptions: (server) =>
      serveGatewaySubscriptions({
        server,
        limits: config.subscriptions,
        planner: new SubscriptionPlanner(supergraphSdl),
        services: Object.fromEntries(Object.keys(config.subgraphUrls).map((name) => [name, dataSource(name)])),
        pool: new UpstreamPool({
          urls: config.subgraphUrls,
          credentials,
          keepAliveMs: config.subscriptions.keepAliveMs,
          retryMaxMs: config.subscriptions.upstreamRetryMaxMs,
          logger,
          resubscribe: options.resubscribe ?? resumeFromCursor,
        }),
        authenticate,
        validationRules: protection.validationRules,
        maxTokens: OPERATION_LIMITS.maxTokens?.n,
        formatError: createErrorFormatter(logger),
        logger,
      }),
    context: async ({ req }) => {
      const principal = await authenticate(req);
      const header = req.headers[CORRELATION_ID_HEADER];
      const candidate = Array.isArray(header) ? header[0] : header;
      const correlationId = candidate && /^[A-Za-z0-9_.:-]{1,128}$/.test(candidate) ? candidate : randomUUID();
      return { principal, correlationId };
    },
  };
}

function missingSubgraph(name: string): never {
  throw new Error(`the supergraph names subgraph "${name}" but no URL is configured for it`);
}
