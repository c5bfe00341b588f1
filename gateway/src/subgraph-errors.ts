import { errorFactory } from '@mesh/server-kit';
import type { GraphQLError } from 'graphql';

/** Codes the gateway adds for failures between itself and a subgraph. */
export const GATEWAY_ERROR_CODES = {
  SUBGRAPH_UNAVAILABLE:
    'A subgraph could not be reached (a process down or restarting); the fields it owns are null and the rest of the answer stands. Retryable: resend after extensions.retryAfterMs (a mutation with the same idempotency key).',
  SUBGRAPH_TIMEOUT: 'A subgraph did not answer within SUBGRAPH_TIMEOUT_MS; the fields it owns are null.',
} as const;

/** Raises a shared code or one of GATEWAY_ERROR_CODES; any other code does not compile. */
const gatewayError = errorFactory(GATEWAY_ERROR_CODES);

/** Pause suggested after SUBGRAPH_UNAVAILABLE: about what a replacement process or the next replica needs. */
const SUBGRAPH_RETRY_AFTER_MS = 1000;

/** Turns a failed subgraph fetch (no HTTP response, or an abort) into a clear, stable error. */
export function subgraphFetchError(subgraph: string, error: unknown): GraphQLError {
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') {
    return gatewayError('SUBGRAPH_TIMEOUT', `The ${subgraph} service did not answer in time`, { serviceName: subgraph });
  }
  // Retryable: a request that may have reached the subgraph before it died is safe to resend,
  // since every mutation carries an idempotency key; clients can tell this from a failure.
  return gatewayError('SUBGRAPH_UNAVAILABLE', `The ${subgraph} service is unavailable`, {
    serviceName: subgraph,
    retryable: true,
    retryAfterMs: SUBGRAPH_RETRY_AFTER_MS,
  });
}
