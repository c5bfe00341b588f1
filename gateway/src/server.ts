import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  CORRELATION_ID_HEADER,
  GatewayCredentialCache,
  arrivalOf,
  createErrorFormatter,
  createServiceMetrics,
  operationMetricsPlugin,
  secretKey,
  type Logger,
  type ServiceMetrics,
} from '@mesh/server-kit';
import { createBearerAuthenticator } from './bearer-auth.js';
import type { GatewayConfig } from './config.js';
import type { GatewayContext } from './context.js';
import { createClientIdentity } from './governance/client-identity.js';
import { createClientLimits, type ClientLimits } from './governance/client-limits.js';
import { demandControlPlugin } from './governance/demand-control.plugin.js';
import { createOperationGuard } from './governance/operation-guard.js';
import { readPersistedManifest } from './governance/persisted-manifest.js';
import { createTrustedOperations } from './governance/trusted-operations.js';
import { trustedOperationsPlugin } from './governance/trusted-operations.plugin.js';
import { createRefusalMetrics } from './governance/refusal-metrics.js';
import { createReadinessRoute } from './readiness.js';
import { SubgraphDataSource } from './subgraph-data-source.js';
import { createSubgraphFetchHistogram, timedSubgraphFetch } from './subgraph-fetch-metrics.js';
import { shareInflightQueries } from './inflight-queries.js';
import { createSubgraphTransport, type SubgraphTransport } from './subgraph-transport.js';
import { SupergraphSource } from './supergraph/supergraph-source.js';
import { serveGatewaySubscriptions, type GatewaySubscriptionServer } from './subscriptions/socket-server.js';
import { resumeFromCursor } from './subscriptions/cursor-resume.js';
import { subscriptionRuntimeFor } from './subscriptions/subscription-runtime.js';
import { UpstreamPool, type ResubscribeHook } from './subscriptions/upstream-pool.js';

export interface Gateway {
  readonly apollo: ApolloServer<GatewayContext>;
  readonly context: (args: { req: IncomingMessage }) => Promise<GatewayContext>;
  /** The served supergraph: reloads itself from its file; `reload()` checks at once. */
  readonly supergraph: SupergraphSource;
  readonly limits: ClientLimits;
  /** What /metrics serves: operations, subgraph fetches, the process. */
  readonly metrics: ServiceMetrics;
  /** /ready: every subgraph of the serving supergraph, and a refused reload if any. */
  readonly readiness: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** The kept-alive connections subgraph fetches go over; close it after `apollo.stop()`. */
  readonly transport: SubgraphTransport;
  /** Serves graphql-ws subscriptions on the HTTP server that serves `apollo` (same /graphql URL). */
  serveSubscriptions(server: Server): GatewaySubscriptionServer;
}

export interface GatewayOptions {
  /** How a subscription resubscribes after its subgraph socket dropped (default: `resumeFromCursor`, right after the last event delivered). */
  readonly resubscribe?: ResubscribeHook;
}

/**
 * Builds the gateway from the supergraph file: no side effects until `apollo.start()`. Each
 * subgraph is reached at its `join__graph` URL unless configuration moves it (subgraph-routes.ts).
 */
export function createGateway(config: GatewayConfig, logger: Logger, options: GatewayOptions = {}): Gateway {
  const credentials = new GatewayCredentialCache(secretKey(config.internalSecret));
  const supergraph = new SupergraphSource({ path: config.supergraphPath, overrides: config.subgraphUrlOverrides, pollMs: config.supergraphPollMs, logger });
  // One sharing fetcher for HTTP queries and subscription events alike: both ask the same questions.
  const transport = createSubgraphTransport();
  const subgraphFetch = config.shareInflightQueries ? shareInflightQueries(transport.fetch) : transport.fetch;
  const metrics = createServiceMetrics('gateway');
  const fetchHistogram = createSubgraphFetchHistogram(metrics.registry);
  const refusals = createRefusalMetrics(metrics.registry);
  const dataSource = (name: string, url: string) =>
    new SubgraphDataSource({ name, url, timeoutMs: config.subgraphTimeoutMs, credentials, fetch: timedSubgraphFetch(subgraphFetch, name, fetchHistogram) });
  // @apollo/gateway otherwise probes cloud metadata endpoints and exports usage data to Apollo
  // (hourly and at every shutdown); its only switch is this variable, read by the constructor.
  if (!config.apolloTelemetry) process.env['APOLLO_TELEMETRY_DISABLED'] = 'true';
  const gateway = new ApolloGateway({
    supergraphSdl: supergraph.manager(),
    buildService: ({ name, url }) => dataSource(name, supergraph.urlFor(name) ?? url ?? missingSubgraph(name)),
    logger,
  });
  const { governance } = config;
  // graphql-armor only hides suggestions in production. Its token limit is not used: it throws
  // from a parsing hook, which Apollo Server answers with HTTP 500; graphql's own parser limit
  // (parseOptions) answers 400 GRAPHQL_PARSE_FAILED. Depth, aliases, directives and cost are
  // judged by the operation guard, which gives each refusal its code.
  const armor = new ApolloArmor({
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: !governance.introspection },
    maxDepth: { enabled: false },
    maxAliases: { enabled: false },
    maxDirectives: { enabled: false },
    costLimit: { enabled: false },
  });
  const protection = armor.protect();
  const identity = createClientIdentity(governance.clientAddress);
  const limits = createClientLimits(governance, logger);
  const guard = createOperationGuard(governance.operationLimits, () => supergraph.current);
  const manifest = governance.trustedOperations.manifestPath ? readPersistedManifest(governance.trustedOperations.manifestPath) : undefined;
  const trustedOperations = createTrustedOperations(governance.trustedOperations, manifest, logger);
  // The armor and landing-page plugins are typed against @apollo/server's CommonJS declarations;
  // at run time they are the same objects, so the cast only bridges the two declaration copies.
  const plugins = [
    ...protection.plugins,
    trustedOperationsPlugin(trustedOperations, governance.trustedOperations.clientHeader),
    demandControlPlugin(guard, limits),
    operationMetricsPlugin<GatewayContext>(metrics),
    refusals.plugin,
    config.sandbox ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }) : ApolloServerPluginLandingPageDisabled(),
  ] as unknown as ApolloServerPlugin<GatewayContext>[];
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: governance.introspection,
    csrfPrevention: true,
    parseOptions: { maxTokens: governance.operationLimits.maxTokens },
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
    transport,
    supergraph,
    limits,
    metrics,
    readiness: createReadinessRoute(supergraph),
    serveSubscriptions: (server) =>
      serveGatewaySubscriptions({
        server,
        limits: config.subscriptions,
        runtime: subscriptionRuntimeFor(supergraph, (name, url) => dataSource(name, url)),
        pool: new UpstreamPool({
          urlFor: (name) => supergraph.urlFor(name),
          credentials,
          keepAliveMs: config.subscriptions.keepAliveMs,
          retryMaxMs: config.subscriptions.upstreamRetryMaxMs,
          logger,
          resubscribe: options.resubscribe ?? resumeFromCursor,
        }),
        authenticate,
        identity,
        guard,
        clientLimits: limits,
        trustedOperations,
        clientHeader: governance.trustedOperations.clientHeader,
        validationRules: protection.validationRules,
        maxTokens: governance.operationLimits.maxTokens,
        hideSuggestions: !governance.introspection,
        formatError: createErrorFormatter(logger),
        logger,
      }),
    context: async ({ req }) => {
      let role = 'anonymous';
      try {
        const principal = await authenticate(req);
        role = principal.role;
        const clientKey = identity.key(req, principal);
        const refused = await limits.admitRequest(clientKey);
        if (refused) throw refused;
        return { principal, correlationId: correlationIdOf(req), clientKey, receivedAt: arrivalOf(req) };
      } catch (error) {
        refusals.count(error, role);
        throw error;
      }
    },
  };
}

/** The caller's correlation id when it is well formed, otherwise a new one. */
function correlationIdOf(req: IncomingMessage): string {
  const header = req.headers[CORRELATION_ID_HEADER];
  const candidate = Array.isArray(header) ? header[0] : header;
  return candidate && /^[A-Za-z0-9_.:-]{1,128}$/.test(candidate) ? candidate : randomUUID();
}

function missingSubgraph(name: string): never {
  throw new Error(`the supergraph names subgraph "${name}" but no URL is configured for it`);
}
