import { callSubgraph, type GraphqlAnswer, type Principal } from '@mesh/server-kit';

/** The integration domain's identity towards the other subgraphs (signed with the internal secret). */
export const INTEGRATION_SERVICE_PRINCIPAL: Principal = Object.freeze({ role: 'admin', subject: 'service:integration' });

/** Another subgraph's GraphQL endpoint, asked as the integration service under one correlation id. */
export interface ServiceTarget {
  readonly url: string;
  readonly secret: Uint8Array;
  readonly correlationId: string;
}

/** POSTs one operation signed as the integration service (10 s time-out); network failures throw. */
export function callService<T>(
  target: ServiceTarget,
  query: string,
  variables: Record<string, unknown>,
): Promise<{ readonly status: number; readonly body: GraphqlAnswer<T> }> {
  return callSubgraph<T>({
    url: target.url,
    principal: INTEGRATION_SERVICE_PRINCIPAL,
    secret: target.secret,
    correlationId: target.correlationId,
    query,
    variables,
    timeoutMs: 10_000,
  });
}
