import type { GraphQLError } from 'graphql';
import type { Logger, Principal } from '@mesh/server-kit';
import type { TrustedOperationMode, TrustedOperationsConfig } from './governance-config.js';
import type { PersistedManifest } from './persisted-manifest.js';
import { refusal } from './refusals.js';

// Why: a public graph should run the operations its own clients were built with, not whatever a
// scraper composes. This is the policy, the same over HTTP (trusted-operations.plugin.ts) and
// WebSocket (the socket server): per client type, ignore, log or refuse what the manifest does not list.

/** Apollo Sandbox's origins: its requests may stay free-form outside production. */
const SANDBOX_ORIGINS = new Set(['https://sandbox.embed.apollographql.com', 'https://studio.apollographql.com']);
const STAFF_ROLES = new Set(['associate', 'analyst', 'admin']);
/** Unknown operations logged per process, so a client stuck in a loop does not flood the log. */
const MAX_LOGGED_UNKNOWN = 1000;

/** One request as the policy sees it. */
export interface OperationRequest {
  /** The client type (the value of TRUSTED_OPERATIONS_CLIENT_HEADER), '' when unnamed. */
  readonly client: string;
  /** A persisted id (Apollo's persistedQuery hash or Code Generator's documentId), if sent. */
  readonly id: string | undefined;
  /** The operation text, if sent. */
  readonly query: string | undefined;
  /** Whether the id came as an APQ extension (which Apollo Server's own cache may answer). */
  readonly apq: boolean;
  readonly operationName: string | undefined;
  readonly principal: Principal;
  readonly origin: string | undefined;
}

/** What to run: the listed document for an id, a refusal, or the request as sent. */
export type TrustedVerdict =
  { readonly kind: 'listed'; readonly query: string } | { readonly kind: 'refused'; readonly error: GraphQLError } | { readonly kind: 'as-sent' };

export type TrustedOperations = (request: OperationRequest) => TrustedVerdict;

export function createTrustedOperations(config: TrustedOperationsConfig, manifest: PersistedManifest | undefined, logger: Logger): TrustedOperations {
  const logged = new Set<string>();
  const modeFor = (client: string): TrustedOperationMode => config.modes[client] ?? config.defaultMode;
  const AS_SENT: TrustedVerdict = { kind: 'as-sent' };

  return (request) => {
    const mode = modeFor(request.client);
    const { id, query } = request;
    if (id !== undefined) {
      const listed = manifest?.documentFor(id);
      if (listed !== undefined && (query === undefined || query === listed)) return { kind: 'listed', query: listed };
      if (query === undefined && (mode === 'enforce' || !request.apq)) {
        return { kind: 'refused', error: refusal('PERSISTED_QUERY_NOT_FOUND', `No persisted operation has the id "${id.slice(0, 80)}"`) };
      }
      if (query === undefined) return AS_SENT; // an APQ lookup: Apollo Server's cache answers it
    }
    if (mode === 'off' || query === undefined || manifest?.lists(query)) return AS_SENT;
    const exempt = config.freeFormForStaff && (STAFF_ROLES.has(request.principal.role) || SANDBOX_ORIGINS.has(request.origin ?? ''));
    if (mode === 'enforce' && !exempt) {
      return {
        kind: 'refused',
        error: refusal('PERSISTED_QUERY_NOT_IN_LIST', `Client "${request.client || 'unnamed'}" may only send operations from the persisted-operation manifest`),
      };
    }
    const key = `${request.client}\n${request.operationName ?? ''}\n${query.length}`;
    if (!logged.has(key) && logged.size < MAX_LOGGED_UNKNOWN) {
      logged.add(key);
      logger.warn(
        { client: request.client || 'unnamed', operationName: request.operationName ?? null, mode, exempt },
        'operation not in the persisted-operation manifest',
      );
    }
    return AS_SENT;
  };
}
