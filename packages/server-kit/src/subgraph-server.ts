import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { ApolloServer, type BaseContext } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { parse, type GraphQLSchema } from 'graphql';
import { createErrorFormatter, unauthenticated } from './errors.js';
import { GATEWAY_CREDENTIAL_HEADER, type GatewayCredentialVerifier, InvalidGatewayCredential } from './gateway-credential.js';
import type { Logger } from './logger.js';
import type { ServiceMetrics } from './metrics.js';
import { operationMetricsPlugin } from './operation-metrics.plugin.js';
import type { Principal } from './roles.js';
import { receivedByMeshAt } from './request-age.js';

export const CORRELATION_ID_HEADER = 'x-correlation-id';

/** What every subgraph resolver can rely on being in its context. */
export interface RequestContext extends BaseContext {
  /** The caller, as vouched for by the gateway. */
  readonly principal: Principal;
  /** Travels through every request, event and record of one workflow. */
  readonly correlationId: string;
  /**
   * When the client's request reached the mesh (epoch ms, this process's clock): its arrival here
   * less the time the gateway says it spent before this fetch (request-age.ts).
   */
  readonly receivedAt: number;
  readonly logger: Logger;
}

export interface SubgraphDefinition {
  /** The subgraph's name in the supergraph (product, inventory, ...). */
  readonly name: string;
  readonly typeDefs: string;
  /**
   * Resolvers; typed loosely here because each subgraph types its own with generated
   * `Resolvers` and only this kit hands them to buildSubgraphSchema.
   */
  readonly resolvers: object;
}

/** The subgraph's federation schema; `Subscription` resolvers (`{ subscribe, resolve }`) are kept. */
export function createSubgraphSchema(definition: SubgraphDefinition): GraphQLSchema {
  return buildSubgraphSchema([{ typeDefs: parse(definition.typeDefs), resolvers: definition.resolvers as GraphQLResolverMap<unknown> }]);
}

/** Builds the subgraph's Apollo Server: federation schema, error masking, no landing page. */
export function createSubgraphApollo<TContext extends RequestContext>(
  definition: SubgraphDefinition,
  logger: Logger,
  schema: GraphQLSchema = createSubgraphSchema(definition),
  metrics?: ServiceMetrics,
): ApolloServer<TContext> {
  return new ApolloServer<TContext>({
    schema,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    formatError: createErrorFormatter(logger.child({ subgraph: definition.name })),
    // Apollo's own start-up chatter goes through the service logger, so LOG_LEVEL governs it too.
    logger,
    // closeOnSignals owns shutdown; Apollo's own signal handler would race it and keep the process alive.
    stopOnTerminationSignals: false,
    // No schema declares cache hints, and Apollo's default cache-control plugin listens to every
    // field it resolves to compute them: the 125 stock levels of a product page are about 1,300 such calls.
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      ...(metrics ? [operationMetricsPlugin<TContext>(metrics)] : []),
    ],
  });
}

/**
 * Reads the gateway's credential and correlation id from a request. A request without a valid
 * credential did not come through the gateway: it is refused with UNAUTHENTICATED (HTTP 401),
 * whatever it asks for, `_entities` and `_service` included.
 */
export function createRequestIdentity(verifier: GatewayCredentialVerifier, logger: Logger) {
  return async (req: IncomingMessage): Promise<RequestContext> => {
    const header = req.headers[GATEWAY_CREDENTIAL_HEADER];
    const token = Array.isArray(header) ? header[0] : header;
    if (!token) throw unauthenticated('This subgraph only serves requests that come through the gateway');
    let principal: Principal;
    try {
      principal = await verifier.verify(token);
    } catch (error) {
      if (error instanceof InvalidGatewayCredential) {
        throw unauthenticated('The gateway credential is invalid or expired');
      }
      throw error;
    }
    const correlationHeader = req.headers[CORRELATION_ID_HEADER];
    const candidate = Array.isArray(correlationHeader) ? correlationHeader[0] : correlationHeader;
    const correlationId = candidate && /^[A-Za-z0-9_.:-]{1,128}$/.test(candidate) ? candidate : randomUUID();
    return { principal, correlationId, receivedAt: receivedByMeshAt(req), logger: logger.child({ correlationId }) };
  };
}
