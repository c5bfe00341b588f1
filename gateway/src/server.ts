import type { IncomingMessage } from 'node:http';
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

export interface Gateway {
  readonly apollo: ApolloServer<GatewayContext>;
  readonly context: (args: { req: IncomingMessage }) => Promise<GatewayContext>;
}

/**
 * Builds the gateway from the checked-in supergraph: no side effects until `apollo.start()`.
 * Subgraph URLs come from configuration, not from the supergraph file, so one supergraph serves
 * every environment.
 */
export function createGateway(config: GatewayConfig, logger: Logger): Gateway {
  const credentials = new GatewayCredentialCache(secretKey(config.internalSecret));
  const gateway = new ApolloGateway({
    supergraphSdl: readFileSync(config.supergraphPath, 'utf8'),
    buildService: ({ name }) =>
      new SubgraphDataSource({
        name,
        url: config.subgraphUrls[name as SubgraphName] ?? missingSubgraph(name),
        timeoutMs: config.subgraphTimeoutMs,
        credentials,
      }),
    logger,
  });
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
