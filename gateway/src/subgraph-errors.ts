import { meshError } from '@mesh/server-kit';
import type { GraphQLError } from 'graphql';

/** Codes the gateway adds for failures between itself and a subgraph. */
export const GATEWAY_ERROR_CODES = {
  SUBGRAPH_UNAVAILABLE: 'A subgraph could not be reached; the fields it owns are null and the rest of the answer stands.',
  SUBGRAPH_TIMEOUT: 'A subgraph did not answer within SUBGRAPH_TIMEOUT_MS; the fields it owns are null.',
} as const;

/** Turns a failed subgraph fetch (no HTTP response, or an abort) into a clear, stable error. */
export function subgraphFetchError(subgraph: string, error: unknown): GraphQLError {
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') {
    return meshError('SUBGRAPH_TIMEOUT', `The ${subgraph} service did not answer in time`, { serviceName: subgraph });
  }
  return meshError('SUBGRAPH_UNAVAILABLE', `The ${subgraph} service is unavailable`, { serviceName: subgraph });
}
