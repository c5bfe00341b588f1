import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { CloseCode, type Context, type ExecutionResult, type FormattedExecutionResult } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { WebSocket } from 'ws';
import { GraphQLError, type ExecutionArgs, type GraphQLFormattedError, type ValidationRule } from 'graphql';
import { meshError, openSocketEndpoint, type Logger, type Principal } from '@mesh/server-kit';
import type { SubscriptionLimits } from '../config.js';
import { EventChannel } from './event-channel.js';
import { liveOnly } from './cursor-resume.js';
import { Subscriber } from './subscriber.js';
import { WriteCoalescer } from './write-coalescer.js';
import { SubscriptionGroup, primaryRequest } from './subscription-group.js';
import type { ClientIdentity } from '../governance/client-identity.js';
import type { ClientLimits } from '../governance/client-limits.js';
import type { OperationGuard } from '../governance/operation-guard.js';
import type { TrustedOperations } from '../governance/trusted-operations.js';
import { persistedHashOf } from '../governance/trusted-operations.plugin.js';
import { SocketQuota, isOriginAllowed } from './socket-limits.js';
import { createSubscriptionPreparation, type Delivery } from './subscription-preparation.js';
import type { SubscriptionRuntime } from './subscription-runtime.js';
import type { UpstreamPool } from './upstream-pool.js';

// Why: clients subscribe on the gateway's one /graphql URL over graphql-ws. This file owns the
// socket: who may open one (Origin, caps, the bearer token in connection_init), what may be
// subscribed (the HTTP validation and operation limits), and the lifecycle (keep-alive, init
// timeout, completing every subscription before the gateway stops).

/**
 * How the gateway ends a client socket (besides graphql-ws's protocol codes such as 4400).
 * Refusals before the socket exists are HTTP answers to the upgrade: 403 for a foreign Origin,
 * 429 when the client's address (through the trusted proxy chain) already holds the maximum number of sockets.
 */
export const GATEWAY_SOCKET_CLOSE = {
  /** The bearer token in connection_init's `authorization` is malformed, invalid or expired. */
  Unauthorized: CloseCode.Unauthorized,
  /** No connection_init within WS_CONNECTION_INIT_TIMEOUT_MS. */
  ConnectionInitTimeout: CloseCode.ConnectionInitialisationTimeout,
  /** The token's subject already holds WS_MAX_SOCKETS_PER_CLIENT sockets. */
  TooManySockets: 4430,
  /** The gateway is shutting down; every subscription on the socket was completed first. */
  GoingAway: 1001,
} as const;

export interface GatewaySubscriptionOptions {
  readonly server: Server;
  readonly limits: SubscriptionLimits;
  /** The planner and data sources of the supergraph being served (a reload swaps them for new subscriptions). */
  readonly runtime: () => SubscriptionRuntime;
  readonly pool: UpstreamPool;
  /** The HTTP client identity: socket caps count the same address and subject as the rate limits. */
  readonly identity: ClientIdentity;
  /** Depth, aliases, directives and cost, as on HTTP. */
  readonly guard: OperationGuard;
  /** Each subscription's cost is charged to the client's budget, as on HTTP. */
  readonly clientLimits: ClientLimits;
  /** The persisted-operation policy, as on HTTP (ids by `extensions.persistedQuery`; no APQ registration over a socket). */
  readonly trustedOperations: TrustedOperations;
  /** Names the client type: a header on the upgrade request, or the same key in connection_init's payload. */
  readonly clientHeader: string;
  /** The HTTP bearer authenticator. */
  readonly authenticate: (req: Pick<IncomingMessage, 'headers'>) => Promise<Principal>;
  /** The HTTP validation rules (graphql-armor's). */
  readonly validationRules: readonly ValidationRule[];
  readonly maxTokens: number | undefined;
  /** Production: "Did you mean ...?" is removed from errors, as graphql-armor does on HTTP. */
  readonly hideSuggestions: boolean;
  /** The HTTP error formatter: deliberate codes pass, everything else is masked and logged. */
  readonly formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  readonly logger: Logger;
}

export interface GatewaySubscriptionServer {
  /** Stops accepting sockets, completes every subscription, then closes every socket with 1001. */
  close(): Promise<void>;
}

type SocketState = {
  principal?: Principal;
  subjectKey?: string;
  /** The client key its limits count under (its subject, else its address). */
  clientKey?: string;
};

export function serveGatewaySubscriptions(options: GatewaySubscriptionOptions): GatewaySubscriptionServer {
  const { limits, pool, logger, identity } = options;
  const perAddress = new SocketQuota(limits.maxSocketsPerClient);
  const perSubject = new SocketQuota(limits.maxSocketsPerClient);
  const connections = new Set<Context<Record<string, unknown>, SocketState>>();
  const preparation = createSubscriptionPreparation(options);
  /** Each client WebSocket's upgraded connection (ws keeps its own reference private). */
  const streams = new WeakMap<WebSocket, Duplex>();
  const coalescer = new WriteCoalescer();

  const endpoint = openSocketEndpoint({
    server: options.server,
    paths: ['/graphql', '/'],
    maxPayload: 256 * 1024,
    admit: (req, upgraded) => {
      if (!isOriginAllowed(req, limits.allowedOrigins)) return { status: 403, text: 'Forbidden' };
      const address = identity.address(req);
      if (!perAddress.acquire(address)) return { status: 429, text: 'Too Many Requests' };
      upgraded.once('close', () => perAddress.release(address));
      return undefined;
    },
    accepted: (socket, upgraded) => void streams.set(socket, upgraded),
  });

  // Refusals carry `http` (status, Retry-After) for Apollo Server; a socket has no use for it.
  const formatAll = (errors: readonly GraphQLError[]) =>
    errors.map((error) => {
      const { http: _http, ...extensions } = error.extensions;
      const message = options.hideSuggestions ? error.message.replace(/ ?Did you mean .+\?/g, '') : error.message;
      return options.formatError({ ...error.toJSON(), message, extensions }, error);
    });

  const graphqlWs = useServer<Record<string, unknown>, SocketState>(
    {
      connectionInitWaitTimeout: limits.connectionInitTimeoutMs,
      onConnect: async (ctx) => {
        const authorization = ctx.connectionParams?.['authorization'] ?? ctx.connectionParams?.['Authorization'];
        let principal: Principal;
        try {
          principal = await options.authenticate({ headers: typeof authorization === 'string' ? { authorization } : {} });
        } catch (error) {
          const reason = error instanceof GraphQLError ? error.message : 'Unauthorized';
          ctx.extra.socket.close(GATEWAY_SOCKET_CLOSE.Unauthorized, reason);
          return false;
        }
        // The same key the HTTP rate limits use: the token subject, else the forwarded address.
        ctx.extra.clientKey = identity.key(ctx.extra.request, principal);
        if (principal.subject) {
          const subjectKey = ctx.extra.clientKey;
          if (!perSubject.acquire(subjectKey)) {
            ctx.extra.socket.close(GATEWAY_SOCKET_CLOSE.TooManySockets, 'Too many sockets for this client');
            return false;
          }
          ctx.extra.subjectKey = subjectKey;
        }
        ctx.extra.principal = principal;
        connections.add(ctx);
        return true;
      },
      onClose: (ctx) => {
        connections.delete(ctx);
        if (ctx.extra.subjectKey) perSubject.release(ctx.extra.subjectKey);
      },
      onSubscribe: async (ctx, id, payload) => {
        if (Object.keys(ctx.subscriptions).length > limits.maxSubscriptionsPerSocket) {
          return [meshError('TOO_MANY_SUBSCRIPTIONS', `A socket may hold at most ${limits.maxSubscriptionsPerSocket} subscriptions`)];
        }
        const principal = ctx.extra.principal;
        if (!principal) return [meshError('UNAUTHENTICATED', 'The connection is not initialised')];
        const { request } = ctx.extra;
        const named = request.headers[options.clientHeader] ?? ctx.connectionParams?.[options.clientHeader];
        const verdict = options.trustedOperations({
          client: typeof named === 'string' ? named : '',
          id: persistedHashOf(payload.extensions ?? undefined),
          query: payload.query || undefined,
          apq: false,
          operationName: payload.operationName ?? undefined,
          principal,
          origin: request.headers.origin,
        });
        if (verdict.kind === 'refused') return [verdict.error];
        const query = verdict.kind === 'listed' ? verdict.query : payload.query;
        const stream = streams.get(ctx.extra.socket);
        if (!stream) throw new Error('a subscription arrived on a socket that was not upgraded by this server');
        const delivery: Delivery = { socket: ctx.extra.socket, stream, id, active: () => id in ctx.subscriptions };
        const result = preparation.prepare({ ...payload, query }, principal, ctx.extra.clientKey ?? identity.key(request, principal), delivery);
        if (Array.isArray(result)) return result;
        const args = result as ExecutionArgs;
        const prepared = preparation.preparedOf(args);
        if (prepared) {
          const charge = await options.clientLimits.chargeCost(prepared.context.clientKey, prepared.cost);
          if (charge.refusal) return [charge.refusal];
        }
        return args;
      },
      subscribe: (args) => federate(args),
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: formatAll(result.errors) } : undefined),
      onError: (_ctx, _id, _payload, errors) => formatAll(errors),
    },
    endpoint.sockets,
    limits.keepAliveMs,
  );

  // Identical subscriptions share a live group (subscription-group.ts). One that starts with a
  // snapshot or a resume catches up on an upstream subscription of its own first, exactly as
  // documented, and is handed over to the live group at the first change both have delivered.
  const groups = new Map<string, SubscriptionGroup>();

  function federate(args: ExecutionArgs): AsyncIterableIterator<ExecutionResult> {
    const entry = preparation.preparedOf(args);
    if (!entry) throw new Error('a subscription reached execution without being prepared');
    const { delivery, groupKey, plan, variables } = entry;
    if (!delivery.active()) return endedChannel();
    const group = (onClosed: () => void, upstream = liveOnly(primaryRequest(plan, variables)), onDelivered?: (cursor: string | undefined) => void) =>
      new SubscriptionGroup({
        execution: { ...entry, planner: entry.runtime.planner, services: entry.runtime.services },
        upstream,
        pool,
        logger,
        formatResult,
        onClosed,
        ...(onDelivered ? { onDelivered } : {}),
      });
    let live = groups.get(groupKey);
    if (!live?.open) {
      const created: SubscriptionGroup = group(() => {
        if (groups.get(groupKey) === created) groups.delete(groupKey);
      });
      groups.set(groupKey, created);
      live = created;
    }
    const shared = live;
    let home = shared;
    const subscriber = new Subscriber({ socket: delivery.socket, stream: delivery.stream, coalescer }, delivery.id, limits.maxBufferedEvents, (leaving) => {
      home.remove(leaving);
      if (home !== shared) shared.remove(leaving);
    });
    if (!entry.catchUp) {
      shared.add(subscriber);
      return subscriber.results;
    }
    const own: SubscriptionGroup = group(
      () => {},
      primaryRequest(plan, variables),
      (cursor) => {
        if (cursor !== undefined && home === own) shared.handOver(subscriber, cursor, () => ((home = shared), own.remove(subscriber)));
      },
    );
    home = own;
    own.add(subscriber);
    return subscriber.results;
  }

  function formatResult(result: ExecutionResult): FormattedExecutionResult {
    const { errors, ...rest } = result;
    return errors ? { ...rest, errors: formatAll(errors) } : rest;
  }

  return {
    async close() {
      endpoint.stopAccepting();
      // Completing upstream completes each client subscription (a `complete` message), in order
      // after the events already being resolved; then the sockets close with 1001.
      await pool.close();
      const deadline = Date.now() + 2000;
      while ([...connections].some((ctx) => Object.keys(ctx.subscriptions).length > 0) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await endpoint.close(() => graphqlWs.dispose());
    },
  };
}

function endedChannel(): AsyncIterableIterator<ExecutionResult> {
  const channel = new EventChannel<ExecutionResult>(
    1,
    () => {},
    () => ({}),
  );
  channel.end();
  return channel;
}
