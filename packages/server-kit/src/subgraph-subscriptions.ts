import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { CloseCode, type SubscribePayload } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { ExecutionArgs, GraphQLError, GraphQLSchema } from 'graphql';
import { createErrorFormatter, unauthenticated } from './errors.js';
import { GATEWAY_CREDENTIAL_HEADER, InvalidGatewayCredential, type GatewayCredentialVerifier } from './gateway-credential.js';
import type { Logger } from './logger.js';
import type { Principal } from './roles.js';
import { openSocketEndpoint } from './socket-endpoint.js';
import { CORRELATION_ID_HEADER, type RequestContext } from './subgraph-server.js';
import { parseSubscriptionDocument } from './subscription-document.js';

// Why: subgraphs serve their own `Subscription` fields over graphql-ws on the /graphql path of
// the HTTP server they already run, so the gateway can subscribe to the owning domain and
// federate every event. Like HTTP, nothing is served that did not come through the gateway.

/**
 * Close codes a subgraph's subscription socket ends with, beside graphql-ws's own.
 * - 4401: connection_init carried no valid gateway credential (`x-mesh-principal`).
 * - 1001: the subgraph is shutting down; the gateway reconnects and resubscribes.
 */
export const SUBGRAPH_SOCKET_CLOSE = { GatewayCredentialRequired: CloseCode.Unauthorized, GoingAway: 1001 } as const;

/**
 * The subscribe message's `extensions` carry the caller's credential and correlation id, so one
 * gateway socket serves subscriptions of many callers; the connection's own credential (in
 * connection_init) proves the socket came from the gateway and is the fallback principal.
 */
export const SUBSCRIPTION_EXTENSION_KEYS = { credential: GATEWAY_CREDENTIAL_HEADER, correlationId: CORRELATION_ID_HEADER } as const;

export interface SubgraphSubscriptionOptions<TContext> {
  readonly server: Server;
  readonly schema: GraphQLSchema;
  readonly verifier: GatewayCredentialVerifier;
  /** Builds the resolver context from the verified identity, as for an HTTP request. */
  readonly createContext: (base: RequestContext) => TContext;
  readonly logger: Logger;
  /** Ping interval; a socket that does not answer within the same time is terminated. Default 12 s. */
  readonly keepAliveMs?: number;
  /** A socket that has not sent connection_init after this long is closed with 4408. Default 3 s. */
  readonly connectionInitWaitTimeoutMs?: number;
}

export interface SubgraphSubscriptionServer {
  /** Closes every socket with 1001 (their subscriptions' event sources are returned) and stops accepting upgrades. */
  close(): Promise<void>;
}

/** True when the schema has a `Subscription` root type, i.e. the module opted in to serving subscriptions. */
export function hasSubscriptions(schema: GraphQLSchema): boolean {
  return schema.getSubscriptionType() !== undefined && schema.getSubscriptionType() !== null;
}

/** Serves the schema's subscriptions over graphql-ws on the server's `/graphql` upgrade requests. */
export function serveSubgraphSubscriptions<TContext>(options: SubgraphSubscriptionOptions<TContext>): SubgraphSubscriptionServer {
  const { schema, verifier, logger } = options;
  const endpoint = openSocketEndpoint({ server: options.server, paths: ['/graphql'], maxPayload: 1024 * 1024 });
  const format = createErrorFormatter(logger);
  const formatAll = (errors: readonly GraphQLError[]) => errors.map((error) => format(error.toJSON(), error));

  const verify = async (token: unknown): Promise<Principal | undefined> => {
    if (typeof token !== 'string') return undefined;
    try {
      return await verifier.verify(token);
    } catch (error) {
      if (error instanceof InvalidGatewayCredential) return undefined;
      throw error;
    }
  };

  const server = useServer<Record<string, unknown>, { principal: Principal }>(
    {
      connectionInitWaitTimeout: options.connectionInitWaitTimeoutMs ?? 3000,
      onConnect: async (ctx) => {
        const principal = await verify(ctx.connectionParams?.[GATEWAY_CREDENTIAL_HEADER]);
        if (!principal) {
          ctx.extra.socket.close(SUBGRAPH_SOCKET_CLOSE.GatewayCredentialRequired, 'This subgraph only serves sockets opened by the gateway');
          return false;
        }
        ctx.extra.principal = principal;
        return true;
      },
      onSubscribe: async (ctx, _id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> => {
        const prepared = prepare(schema, payload);
        if (Array.isArray(prepared)) return prepared;
        const extensions = payload.extensions ?? {};
        const ownCredential = extensions[SUBSCRIPTION_EXTENSION_KEYS.credential];
        const principal = ownCredential === undefined ? ctx.extra.principal : await verify(ownCredential);
        if (!principal) return [unauthenticated('The gateway credential of this subscription is invalid or expired')];
        const candidate = extensions[SUBSCRIPTION_EXTENSION_KEYS.correlationId];
        const correlationId = typeof candidate === 'string' && /^[A-Za-z0-9_.:-]{1,128}$/.test(candidate) ? candidate : randomUUID();
        const contextValue = options.createContext({ principal, correlationId, receivedAt: Date.now(), logger: logger.child({ correlationId }) });
        return { ...prepared, contextValue };
      },
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: formatAll(result.errors) } : undefined),
      onError: (_ctx, _id, _payload, errors) => formatAll(errors),
    },
    endpoint.sockets,
    options.keepAliveMs ?? 12_000,
  );

  return { close: () => endpoint.close(() => server.dispose()) };
}

/** Parses and validates a subscribe payload; only subscription operations are served over the socket. */
function prepare(schema: GraphQLSchema, payload: SubscribePayload): Omit<ExecutionArgs, 'contextValue'> | readonly GraphQLError[] {
  const parsed = parseSubscriptionDocument(schema, payload.query, payload.operationName ?? undefined, {
    onlySubscriptions: 'Over WebSocket this subgraph serves subscriptions only',
  });
  if (!('document' in parsed)) return parsed;
  return { schema, document: parsed.document, operationName: payload.operationName ?? null, variableValues: payload.variables ?? null };
}
