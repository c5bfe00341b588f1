import type { GraphQLError } from 'graphql';
import { CORRELATION_ID_HEADER, GATEWAY_CREDENTIAL_HEADER, meshError, signGatewayCredential, type Principal } from '@mesh/server-kit';

/** The order domain's identity towards other subgraphs. */
export const ORDER_SERVICE_PRINCIPAL: Principal = Object.freeze({ role: 'admin', subject: 'service:order' });

type GraphQLAnswer<T> = { data?: T | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };

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
  const credential = await signGatewayCredential(ORDER_SERVICE_PRINCIPAL, secret);
  let response: Response;
  let body: GraphQLAnswer<T>;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [GATEWAY_CREDENTIAL_HEADER]: credential, [CORRELATION_ID_HEADER]: correlationId },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(5000),
    });
    body = (await response.json()) as GraphQLAnswer<T>;
  } catch (error) {
    // Slow, restarting or unreachable: nothing was written yet, so the caller may simply retry.
    throw unavailable((error as Error).name === 'TimeoutError' ? 'no answer within 5 s' : (error as Error).message);
  }
  if (response.status >= 500) throw unavailable(`HTTP ${response.status}`);
  // The other domain's own transient refusal (its database restarting): as retryable for our caller.
  const transient = body.errors?.find((error) => error.extensions?.['retryable'] === true);
  if (transient) throw unavailable(String(transient.extensions?.['code'] ?? transient.message));
  const deliberate = body.errors?.find((error) => typeof error.extensions?.['code'] === 'string' && error.extensions['code'] !== 'INTERNAL_SERVER_ERROR');
  if (deliberate) throw meshError(String(deliberate.extensions!['code']), deliberate.message, { ...deliberate.extensions });
  if (!response.ok || body.errors?.length || !body.data) {
    throw new Error(`${url} answered ${response.status}: ${body.errors?.map((error) => error.message).join('; ') ?? 'no data'}`);
  }
  return body.data;
}
