import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import type { GraphQLFormattedError } from 'graphql';
import WebSocket from 'ws';
import { ANONYMOUS, GATEWAY_CREDENTIAL_HEADER, SUBSCRIPTION_EXTENSION_KEYS, type GatewayCredentialCache, type Logger, type Principal } from '@mesh/server-kit';

// Why: the primary part of a federated subscription is a subscription on the owning subgraph.
// One graphql-ws socket per subgraph carries every caller's subscriptions (each subscribe
// message carries that caller's own signed credential), and when the socket drops each
// subscription resubscribes itself with backoff, through a hook that may move its variables
// past the last event it delivered (cursor resume, supplied by the domain work).

/** The primary fetch as sent upstream. */
export interface UpstreamRequest {
  readonly query: string;
  readonly operationName: string | undefined;
  readonly variables: Readonly<Record<string, unknown>>;
  /** Extra subscribe-message extensions for the subgraph (for example a resume cursor). */
  readonly extensions?: Readonly<Record<string, unknown>>;
}

/**
 * Decides what to send when a subscription resubscribes after its upstream socket dropped.
 * Receives the request sent last and the last event delivered (undefined if none); returns the
 * request to send now. The default resends the same request. Throwing ends the subscription
 * with an error.
 */
export type ResubscribeHook = (context: {
  readonly subgraph: string;
  readonly request: UpstreamRequest;
  readonly lastEvent: FormattedExecutionResult<Record<string, unknown>, unknown> | undefined;
}) => UpstreamRequest;

export interface UpstreamSink {
  next(event: FormattedExecutionResult<Record<string, unknown>, unknown>): void;
  /** The subgraph refused or ended the subscription with GraphQL errors: final, not retried. */
  error(errors: readonly GraphQLFormattedError[]): void;
  complete(): void;
}

/** Who the subscription is for: forwarded to the subgraph as on HTTP. */
export interface UpstreamCaller {
  readonly principal: Principal;
  readonly correlationId: string;
}

export interface UpstreamPoolOptions {
  /** Where a subgraph listens now (the served supergraph's route); read for each new socket. */
  readonly urlFor: (subgraph: string) => string | undefined;
  readonly credentials: GatewayCredentialCache;
  readonly keepAliveMs: number;
  readonly retryMaxMs: number;
  readonly logger: Logger;
  readonly resubscribe?: ResubscribeHook;
}

export class UpstreamPool {
  private readonly clients = new Map<string, Client>();
  /** Completes one active subscription; run for each on close. */
  private readonly active = new Set<() => void>();
  private closed = false;

  constructor(private readonly options: UpstreamPoolOptions) {}

  /** Subscribes upstream until the returned function is called, the subgraph completes, or the pool closes. */
  subscribe(subgraph: string, request: UpstreamRequest, caller: UpstreamCaller, sink: UpstreamSink): () => void {
    const { logger, retryMaxMs } = this.options;
    const resubscribe = this.options.resubscribe ?? ((context) => context.request);
    let stopped = false;
    let unsubscribe: (() => void) | undefined;
    let retryTimer: NodeJS.Timeout | undefined;
    let attempt = 0;
    let lastEvent: FormattedExecutionResult<Record<string, unknown>, unknown> | undefined;
    let current = request;

    const finish = (then: () => void) => {
      if (stopped) return;
      stopped = true;
      this.active.delete(completeOnClose);
      then();
    };
    const completeOnClose = () => {
      clearTimeout(retryTimer);
      unsubscribe?.();
      finish(() => sink.complete());
    };
    this.active.add(completeOnClose);
    const start = async () => {
      if (stopped) return;
      if (this.closed) return finish(() => sink.complete());
      const credential = await this.options.credentials.credentialFor(caller.principal);
      if (stopped) return;
      unsubscribe = this.client(subgraph).subscribe(
        {
          query: current.query,
          ...(current.operationName ? { operationName: current.operationName } : {}),
          variables: { ...current.variables },
          extensions: {
            ...current.extensions,
            [SUBSCRIPTION_EXTENSION_KEYS.credential]: credential,
            [SUBSCRIPTION_EXTENSION_KEYS.correlationId]: caller.correlationId,
          },
        },
        {
          next: (event) => {
            if (stopped) return;
            attempt = 0;
            lastEvent = event;
            sink.next(event);
          },
          error: (error: unknown) => {
            if (stopped) return;
            if (Array.isArray(error)) return finish(() => sink.error(error as GraphQLFormattedError[]));
            if (this.closed) return finish(() => sink.complete());
            // The socket closed or could not connect: back off (with jitter, so many subscriptions
            // do not reconnect in lock step) and resubscribe.
            const delay = Math.round(Math.min(retryMaxMs, 100 * 2 ** attempt) * (0.5 + Math.random() / 2));
            attempt += 1;
            logger.warn({ subgraph, attempt, delay, reason: describe(error) }, 'upstream subscription lost; resubscribing');
            retryTimer = setTimeout(() => {
              try {
                current = resubscribe({ subgraph, request: current, lastEvent });
              } catch (hookError) {
                logger.error({ err: hookError, subgraph }, 'resubscribe hook failed');
                return finish(() => sink.error([{ message: 'The subscription could not be resumed', extensions: { code: 'INTERNAL_SERVER_ERROR' } }]));
              }
              void start();
            }, delay);
          },
          complete: () => finish(() => sink.complete()),
        },
      );
    };
    void start().catch((error: unknown) => {
      logger.error({ err: error, subgraph }, 'upstream subscription failed to start');
      finish(() => sink.error([{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }]));
    });
    return () => {
      stopped = true;
      this.active.delete(completeOnClose);
      clearTimeout(retryTimer);
      unsubscribe?.();
    };
  }

  /** Completes every upstream subscription (their sinks complete) and closes the sockets. */
  async close(): Promise<void> {
    this.closed = true;
    for (const complete of [...this.active]) complete();
    await Promise.all([...this.clients.values()].map((client) => client.dispose()));
    this.clients.clear();
  }

  // Sockets are kept per URL, not per name: after a reload moves a subgraph, open subscriptions
  // stay on the socket they use and new ones go to the new address.
  private client(subgraph: string): Client {
    const url = this.options.urlFor(subgraph);
    if (!url) throw new Error(`no URL is configured for subgraph "${subgraph}"`);
    const existing = this.clients.get(url);
    if (existing) return existing;
    const client = createClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      lazy: true,
      lazyCloseTimeout: 1000,
      keepAlive: this.options.keepAliveMs,
      // Each subscription retries itself (see subscribe) so that it can resume from its last event.
      retryAttempts: 0,
      // The socket's own credential proves it comes from the gateway; it grants nothing beyond anonymous.
      connectionParams: async () => ({ [GATEWAY_CREDENTIAL_HEADER]: await this.options.credentials.credentialFor(ANONYMOUS) }),
    });
    this.clients.set(url, client);
    return client;
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (error && typeof error === 'object' && 'code' in error) return `closed with ${String((error as { code: unknown }).code)}`;
  return String(error);
}
