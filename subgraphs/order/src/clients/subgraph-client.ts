import type { GraphQLError } from 'graphql';
import { callSubgraph, forwardedError, type Principal } from '@mesh/server-kit';

/** The order domain's identity towards other subgraphs. */
export const ORDER_SERVICE_PRINCIPAL: Principal = Object.freeze({ role: 'admin', subject: 'service:order' });

/**
 * One operation against another subgraph as the order service. Errors that domain raised
 * deliberately (NOT_FOUND, NOT_SOLD...) are re-raised with their code and extensions; a slow,
 * failing or restarting subgraph is `unavailable(why)` (nothing was written: retry).
 */
export async function askSubgraph<T>(
  url: string,
  secret: Uint8Array,
  query: string,
  variables: Record<string, unknown>,
  correlationId: string,
  unavailable: (why: string) => GraphQLError,
): Promise<T> {
  let answer: Awaited<ReturnType<typeof callSubgraph<T>>>;
  try {
    answer = await callSubgraph<T>({ url, principal: ORDER_SERVICE_PRINCIPAL, secret, correlationId, query, variables, timeoutMs: 5000 });
  } catch (error) {
    // Slow, restarting or unreachable: nothing was written yet, so the caller may simply retry.
    throw unavailable((error as Error).name === 'TimeoutError' ? 'no answer within 5 s' : (error as Error).message);
  }
  const { status, body } = answer;
  if (status >= 500) throw unavailable(`HTTP ${status}`);
  // The other domain's own transient refusal (its database restarting): as retryable for our caller.
  const transient = body.errors?.find((error) => error.extensions?.['retryable'] === true);
  if (transient) throw unavailable(String(transient.extensions?.['code'] ?? transient.message));
  const deliberate = body.errors?.find((error) => typeof error.extensions?.['code'] === 'string' && error.extensions['code'] !== 'INTERNAL_SERVER_ERROR');
  if (deliberate) throw forwardedError(deliberate);
  if (status >= 400 || body.errors?.length || !body.data) {
    throw new Error(`${url} answered ${status}: ${body.errors?.map((error) => error.message).join('; ') ?? 'no data'}`);
  }
  return body.data;
}
