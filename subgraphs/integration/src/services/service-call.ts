import { CORRELATION_ID_HEADER, GATEWAY_CREDENTIAL_HEADER, signGatewayCredential, type Principal } from '@mesh/server-kit';

/** The integration domain's identity towards the other subgraphs (signed with the internal secret). */
export const INTEGRATION_SERVICE_PRINCIPAL: Principal = Object.freeze({ role: 'admin', subject: 'service:integration' });

/** Another subgraph's GraphQL endpoint, asked as the integration service under one correlation id. */
export interface ServiceTarget {
  readonly url: string;
  readonly secret: Uint8Array;
  readonly correlationId: string;
}

export type GraphqlResponse<T> = { data?: T | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };

/** POSTs one operation signed as the integration service (10 s time-out); network failures throw. */
export async function callService<T>(target: ServiceTarget, query: string, variables: Record<string, unknown>): Promise<{ status: number; body: GraphqlResponse<T> }> {
  const credential = await signGatewayCredential(INTEGRATION_SERVICE_PRINCIPAL, target.secret);
  const response = await fetch(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [GATEWAY_CREDENTIAL_HEADER]: credential, [CORRELATION_ID_HEADER]: target.correlationId },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: (await response.json()) as GraphqlResponse<T> };
}
