import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';

/**
 * Every code the gateway refuses an operation with, defined once with the HTTP status it
 * answers and what it means. A refused operation never reaches a subgraph and changes nothing.
 */
export const REFUSALS = {
  OPERATION_TOO_DEEP: { status: 400, meaning: 'The operation nests fields deeper than the depth limit.' },
  TOO_MANY_ALIASES: { status: 400, meaning: 'The operation uses more aliases than allowed.' },
  TOO_MANY_DIRECTIVES: { status: 400, meaning: 'The operation uses more directives than allowed.' },
  OPERATION_TOO_COSTLY: { status: 400, meaning: 'The estimated cost (from the list sizes asked for) exceeds MAX_OPERATION_COST.' },
  COST_BUDGET_EXCEEDED: { status: 429, meaning: "The client's cost budget for the current window is spent; Retry-After says when it refills." },
  RATE_LIMITED: { status: 429, meaning: 'The client sent more requests than its rate limit in the current window; Retry-After says when to retry.' },
  PERSISTED_QUERY_NOT_FOUND: {
    status: 400,
    meaning: 'The persisted operation id is not in the manifest, and this client type may only send listed operations.',
  },
  PERSISTED_QUERY_NOT_IN_LIST: { status: 400, meaning: 'This client type may only send operations from the persisted-operation manifest.' },
} as const satisfies Record<string, { readonly status: number; readonly meaning: string }>;

export type RefusalCode = keyof typeof REFUSALS;

/** A refusal as a GraphQL error; Apollo Server answers with its HTTP status (and Retry-After when given). */
export function refusal(
  code: RefusalCode,
  message: string,
  options: { readonly retryAfterMs?: number; readonly extensions?: Record<string, unknown> } = {},
): GraphQLError {
  const headers = new HeaderMap();
  if (options.retryAfterMs !== undefined) headers.set('retry-after', String(Math.max(1, Math.ceil(options.retryAfterMs / 1000))));
  return new GraphQLError(message, {
    extensions: {
      ...options.extensions,
      code,
      ...(options.retryAfterMs !== undefined ? { retryAfterMs: Math.max(0, Math.round(options.retryAfterMs)) } : {}),
      http: { status: REFUSALS[code].status, headers },
    },
  });
}
