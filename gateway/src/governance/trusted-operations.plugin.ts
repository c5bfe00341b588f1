import type { ApolloServerPlugin, GraphQLRequest, GraphQLRequestListener } from '@apollo/server';
import type { GraphQLError } from 'graphql';
import type { Logger } from '@mesh/server-kit';
import type { GatewayContext } from '../context.js';
import type { TrustedOperationMode, TrustedOperationsConfig } from './governance-config.js';
import type { PersistedManifest } from './persisted-manifest.js';
import { refusal } from './refusals.js';

// Why: a public graph should run the operations its own clients were built with, not whatever a
// scraper composes. Clients send a manifest id (Apollo's `extensions.persistedQuery.sha256Hash`,
// or Code Generator's `documentId`); the gateway swaps in the listed document before Apollo
// Server reads the request. Per client type the gateway ignores, logs or refuses anything else.
// Automatic persisted queries (ids that are not in the manifest) go on to Apollo Server's own APQ
// cache wherever the client type is not enforced.

/** Apollo Sandbox's origins: its requests may stay free-form outside production. */
const SANDBOX_ORIGINS = new Set(['https://sandbox.embed.apollographql.com', 'https://studio.apollographql.com']);
const STAFF_ROLES = new Set(['associate', 'analyst', 'admin']);
/** Unknown operations logged per process, so a client stuck in a loop does not flood the log. */
const MAX_LOGGED_UNKNOWN = 1000;

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

export function trustedOperationsPlugin(config: TrustedOperationsConfig, manifest: PersistedManifest | undefined, logger: Logger): ApolloServerPlugin<GatewayContext> {
  const logged = new Set<string>();
  const modeFor = (client: string): TrustedOperationMode => config.modes[client] ?? config.defaultMode;

  return {
    async requestDidStart({ request, contextValue }) {
      const client = request.http?.headers.get(config.clientHeader) ?? '';
      const mode = modeFor(client);
      const id = persistedIdOf(request);
      if (id !== undefined) {
        const listed = manifest?.documentFor(id);
        if (listed !== undefined && (request.query === undefined || request.query === listed)) {
          request.query = listed;
          // Manifest ids need not be the document's sha256 (Code Generator lets them be anything),
          // so Apollo Server's APQ check must not see them.
          if (request.extensions) delete request.extensions['persistedQuery'];
          return;
        }
        if (request.query === undefined && (mode === 'enforce' || !hasApqExtension(request))) {
          return refuse(request, refusal('PERSISTED_QUERY_NOT_FOUND', `No persisted operation has the id "${id.slice(0, 80)}"`));
        }
        if (request.query === undefined) return; // an APQ lookup: Apollo Server's cache answers it
      }
      if (mode === 'off' || request.query === undefined || manifest?.lists(request.query)) return;
      const exempt = config.freeFormForStaff && (STAFF_ROLES.has(contextValue.principal.role) || SANDBOX_ORIGINS.has(request.http?.headers.get('origin') ?? ''));
      if (mode === 'enforce' && !exempt) {
        return refuse(request, refusal('PERSISTED_QUERY_NOT_IN_LIST', `Client "${client || 'unnamed'}" may only send operations from the persisted-operation manifest`));
      }
      const key = `${client}\n${request.operationName ?? ''}\n${request.query.length}`;
      if (!logged.has(key) && logged.size < MAX_LOGGED_UNKNOWN) {
        logged.add(key);
        logger.warn({ client: client || 'unnamed', operationName: request.operationName ?? null, mode, exempt }, 'operation not in the persisted-operation manifest');
      }
    },
  };
}

function hasApqExtension(request: GraphQLRequest): boolean {
  return typeof request.extensions?.['persistedQuery'] === 'object';
}

/** The persisted id a request names: Code Generator's top-level `documentId`, or Apollo's persistedQuery hash. */
function persistedIdOf(request: GraphQLRequest): string | undefined {
  const body = request.http?.body;
  if (body && typeof body === 'object' && 'documentId' in body && typeof body.documentId === 'string') return body.documentId;
  const persisted = request.extensions?.['persistedQuery'];
  if (persisted && typeof persisted === 'object' && 'sha256Hash' in persisted && typeof persisted.sha256Hash === 'string') return persisted.sha256Hash;
  return undefined;
}
