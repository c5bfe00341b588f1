import type { ApolloServerPlugin, GraphQLRequest, GraphQLRequestListener } from '@apollo/server';
import type { GraphQLError } from 'graphql';
import type { GatewayContext } from '../context.js';
import type { TrustedOperations } from './trusted-operations.js';

// Clients send a manifest id (Apollo's `extensions.persistedQuery.sha256Hash`, or Code
// Generator's `documentId`); the listed document is swapped in before Apollo Server reads the
// request. Ids that are not in the manifest go on to Apollo Server's own APQ cache wherever the
// client type is not enforced.

/**
 * Refuses the request from its first hook. Apollo Server answers an error thrown in
 * requestDidStart with 500, but one thrown in didResolveOperation with the error's own status: so
 * the request runs through a trivial document that never reaches a subgraph, to be refused there.
 */
function refuse(request: GraphQLRequest, error: GraphQLError): GraphQLRequestListener<GatewayContext> {
  request.query = '{ __typename }';
  request.operationName = undefined;
  if (request.extensions) delete request.extensions['persistedQuery'];
  return {
    didResolveOperation: async () => {
      throw error;
    },
  };
}

export function trustedOperationsPlugin(judge: TrustedOperations, clientHeader: string): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ request, contextValue }) {
      const verdict = judge({
        client: request.http?.headers.get(clientHeader) ?? '',
        id: persistedIdOf(request),
        query: request.query,
        apq: typeof request.extensions?.['persistedQuery'] === 'object',
        operationName: request.operationName ?? undefined,
        principal: contextValue.principal,
        origin: request.http?.headers.get('origin') ?? undefined,
      });
      if (verdict.kind === 'refused') return refuse(request, verdict.error);
      if (verdict.kind === 'listed') {
        request.query = verdict.query;
        // Manifest ids need not be the document's sha256 (Code Generator lets them be anything),
        // so Apollo Server's APQ check must not see them.
        if (request.extensions) delete request.extensions['persistedQuery'];
      }
      return undefined;
    },
  };
}

/** The persisted id a request names: Code Generator's top-level `documentId`, or Apollo's persistedQuery hash. */
function persistedIdOf(request: GraphQLRequest): string | undefined {
  const body = request.http?.body;
  if (body && typeof body === 'object' && 'documentId' in body && typeof body.documentId === 'string') return body.documentId;
  return persistedHashOf(request.extensions);
}

/** Apollo's `extensions.persistedQuery.sha256Hash`, over HTTP or in a graphql-ws subscribe message. */
export function persistedHashOf(extensions: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const persisted = extensions?.['persistedQuery'];
  if (persisted && typeof persisted === 'object' && 'sha256Hash' in persisted && typeof persisted.sha256Hash === 'string') return persisted.sha256Hash;
  return undefined;
}
