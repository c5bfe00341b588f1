import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import { CORRELATION_ID_HEADER, GATEWAY_CREDENTIAL_HEADER, REQUEST_AGE_HEADER, type GatewayCredentialCache } from '@mesh/server-kit';
import type { GatewayContext } from './context.js';
import { subgraphFetchError } from './subgraph-errors.js';
import type { SubgraphAnswer } from './subgraph-answer.js';

/** How the data source reaches its subgraph (the transport, or one that shares identical queries in flight). */
export type SubgraphFetch = (url: string, init: RequestInit) => Promise<SubgraphAnswer>;

/**
 * Sends subgraph fetches with the gateway credential (the caller's principal, signed), the
 * correlation id and the request's age, and aborts any fetch that takes longer than the configured timeout: the
 * gateway has no timeout of its own, and one stuck subgraph must not hold requests forever.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(options: { name: string; url: string; timeoutMs: number; credentials: GatewayCredentialCache; fetch: SubgraphFetch }) {
    const { timeoutMs, credentials } = options;
    super({
      url: options.url,
      fetcher: (input, init) => options.fetch(String(input), { ...(init as RequestInit), signal: AbortSignal.timeout(timeoutMs) }),
    });
    this.credentials = credentials;
    this.subgraphName = options.name;
  }

  private readonly credentials: GatewayCredentialCache;
  private readonly subgraphName: string;

  /** Errors the subgraph answered with pass through; a fetch that got no answer gets a stable code. */
  override didEncounterError(error: Error): void {
    if (error instanceof GraphQLError) throw error;
    throw subgraphFetchError(this.subgraphName, error);
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    if (!('principal' in context) || !context.principal) return;
    request.http?.headers.set(GATEWAY_CREDENTIAL_HEADER, await this.credentials.credentialFor(context.principal));
    request.http?.headers.set(CORRELATION_ID_HEADER, context.correlationId);
    // How long the request has been in the gateway: a subgraph with an answer bound counts it.
    if (context.receivedAt !== undefined) request.http?.headers.set(REQUEST_AGE_HEADER, String(Math.max(0, Date.now() - context.receivedAt)));
  }
}
