import { GraphQLError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import type { Logger } from './logger.js';

/**
 * The error codes every service shares, each defined once with what it means. A subgraph adds its
 * domain codes in its own `errors.ts` through `errorFactory`; a code that no registry declares
 * does not compile.
 */
export const COMMON_ERROR_CODES = {
  BAD_USER_INPUT: 'The input is invalid; nothing was changed.',
  BAD_REQUEST: 'The request is not one this endpoint serves (not JSON, no operation named, or a query or mutation sent over a WebSocket); nothing was run.',
  GRAPHQL_PARSE_FAILED: 'The operation does not parse; nothing was run.',
  GRAPHQL_VALIDATION_FAILED: 'The operation does not validate against the schema; nothing was run.',
  NOT_FOUND: 'The requested record does not exist.',
  FORBIDDEN: 'The caller is known but its role may not do this.',
  UNAUTHENTICATED: 'The caller must sign in (or the request did not come through the gateway).',
  PAYLOAD_TOO_LARGE: 'The request body exceeds the size limit.',
  IDEMPOTENCY_KEY_REUSED: 'The idempotency key was already used with a different input; nothing was changed.',
  TOO_MANY_SUBSCRIPTIONS: 'The WebSocket already holds as many subscriptions as one socket may; this one was not started.',
  SLOW_CONSUMER:
    'Updates arrived faster than the subscriber read them; the subscription ended. Resubscribe with the cursor of the last update received (nothing is lost).',
  UNAVAILABLE: 'The live feed behind a subscription is not running or failed; the subscription ended. Resubscribe with the last cursor.',
  DATABASE_UNAVAILABLE:
    'The database did not answer (it is restarting or unreachable); the request may or may not have been applied. Retry with the same idempotency key after extensions.retryAfterMs.',
  INTERNAL_SERVER_ERROR: 'Something unexpected failed; it was logged with the correlation id.',
} as const;

export type CommonErrorCode = keyof typeof COMMON_ERROR_CODES;

/** A domain's own codes, each with its meaning; none may declare a shared code again. */
export type DomainErrorCodes<Codes> = Codes & { readonly [Shared in CommonErrorCode]?: never };

/** Raises a deliberate, client-facing error whose code a registry declares. */
export type ErrorFactory<Code extends string> = (code: Code, message: string, extensions?: Record<string, unknown>) => GraphQLError;

/** A deliberate, client-facing error with a stable `extensions.code`, one of the shared codes. */
export const meshError: ErrorFactory<CommonErrorCode> = (code, message, extensions = {}) => raise(code, message, extensions);

/**
 * The error factory of one domain: it raises the shared codes and the domain's own, and nothing
 * else (an undeclared code is a compile error). Declaring a shared code again is a compile error too.
 */
export function errorFactory<const Codes extends Readonly<Record<string, string>>>(
  _codes: DomainErrorCodes<Codes>,
): ErrorFactory<CommonErrorCode | Extract<keyof Codes, string>> {
  return (code, message, extensions = {}) => raise(code, message, extensions);
}

/**
 * An error another service raised and answered with, passed on unchanged to this caller. The code
 * is the other service's (declared in its registry), so it is not checked here.
 */
export function forwardedError(error: GraphQLFormattedError): GraphQLError {
  return raise(String(error.extensions?.['code'] ?? 'INTERNAL_SERVER_ERROR'), error.message, { ...error.extensions });
}

/**
 * A deliberate error is an answer, not a fault: it carries no stack trace. It is raised with no
 * frames captured, and then has no stack at all: graphql-js copies a thrown error's stack onto the
 * error it locates in the result, and redefining that new error's stack made V8 format the ten
 * frames it had captured, source-mapped (`--enable-source-maps`), for every refusal: 4-5% of the
 * order process's CPU in a flash sale's burst of INTAKE_SATURATED answers. Without a stack to copy,
 * the located error's own is captured and never formatted unless someone reads it.
 */
function raise(code: string, message: string, extensions: Record<string, unknown>): GraphQLError {
  const frames = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    const error = new GraphQLError(message, { extensions: { ...extensions, code } });
    delete error.stack;
    return error;
  } finally {
    Error.stackTraceLimit = frames;
  }
}

export const badUserInput = (message: string, extensions: Record<string, unknown> = {}): GraphQLError => meshError('BAD_USER_INPUT', message, extensions);
export const notFound = (message: string, extensions: Record<string, unknown> = {}): GraphQLError => meshError('NOT_FOUND', message, extensions);
export const forbidden = (message = 'Your role may not do this'): GraphQLError => meshError('FORBIDDEN', message);
export const unauthenticated = (message = 'Sign in to do this'): GraphQLError => meshError('UNAUTHENTICATED', message, { http: { status: 401 } });

/** The idempotency key came back with another input than the one it was first used with; nothing was changed. */
export const idempotencyKeyReused = (idempotencyKey: string, extensions: Record<string, unknown> = {}): GraphQLError =>
  meshError('IDEMPOTENCY_KEY_REUSED', `Idempotency key "${idempotencyKey}" was already used with a different input`, { idempotencyKey, ...extensions });

/** Pause suggested to a caller refused with DATABASE_UNAVAILABLE: about one reconnection attempt of the driver. */
export const DATABASE_RETRY_AFTER_MS = 1000;

export const databaseUnavailable = (): GraphQLError =>
  meshError('DATABASE_UNAVAILABLE', `The database is unavailable; retry with the same idempotency key after ${DATABASE_RETRY_AFTER_MS} ms`, {
    retryAfterMs: DATABASE_RETRY_AFTER_MS,
    retryable: true,
  });

/** The driver's and mongoose's errors for "no server to talk to" (not for a query the server refused). */
const UNREACHABLE_DATABASE_ERRORS = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoPoolClearedError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
]);

/** Node's errors for a socket the other end closed or reset. */
const CLOSED_SOCKET_CODES = new Set(['EPIPE', 'ECONNRESET']);

/**
 * Whether `error` (or what it wraps) says the database could not be reached. Matched by name, not
 * instanceof: each service may load its own copy of the driver. Mongoose's "buffering timed out"
 * is the same fault seen while its connection is marked disconnected, and the driver lets Node's
 * EPIPE through unwrapped when the server closes a connection a command is being written to.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if (UNREACHABLE_DATABASE_ERRORS.has(current.name)) return true;
    if (current.name === 'MongooseError' && /buffering timed out/.test(current.message)) return true;
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && CLOSED_SOCKET_CODES.has(code) && /[\\/]mongodb[\\/]/.test(current.stack ?? '')) return true;
  }
  return false;
}

/**
 * Builds Apollo Server's `formatError`: errors raised deliberately (any code other than
 * INTERNAL_SERVER_ERROR, which Apollo gives to everything that is not a GraphQLError) pass
 * through; anything else is logged and shown only as INTERNAL_SERVER_ERROR. The code, not
 * `instanceof GraphQLError`, decides: the gateway builds its errors with graphql's CommonJS
 * build and this file imports the ES module build, so instanceof would mask a subgraph's FORBIDDEN.
 * A database that cannot be reached becomes DATABASE_UNAVAILABLE (retryable, logged as a warning)
 * in every service, so that clients can tell an outage to wait out from a failure.
 */
export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.['code'];
    if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') {
      return { ...formatted, extensions: withoutStacktrace(formatted.extensions) };
    }
    const cause = unwrapResolverError(error);
    if (isDatabaseUnavailable(cause)) {
      logger.warn({ err: cause, path: formatted.path }, 'database unavailable');
      const refusal = databaseUnavailable();
      return { message: refusal.message, ...(formatted.path ? { path: formatted.path } : {}), extensions: { ...refusal.extensions } };
    }
    logger.error({ err: cause, path: formatted.path }, 'unexpected error');
    return {
      message: 'Internal server error',
      ...(formatted.path ? { path: formatted.path } : {}),
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}

function withoutStacktrace(extensions: GraphQLFormattedError['extensions']): Record<string, unknown> {
  if (!extensions) return {};
  const { stacktrace: _stacktrace, ...rest } = extensions;
  return rest;
}
