/**
 * The console's only way to the mesh: GraphQL over HTTP to the gateway's /graphql, with the
 * signed-in person's bearer token. A GraphQL error becomes a GraphError carrying the error's
 * stable extensions.code (FORBIDDEN, NOT_FOUND, ...), so pages can say what went wrong.
 */
export class GraphError extends Error {
  constructor(
    message: string,
    /** The first error's extensions.code, or HTTP_<status> when the gateway refused the request itself. */
    readonly code: string,
  ) {
    super(message);
    this.name = 'GraphError';
  }
}

interface GraphResponse<T> {
  readonly data?: T | null;
  readonly errors?: ReadonlyArray<{ readonly message: string; readonly extensions?: { readonly code?: string } }>;
}

export type Graph = <T>(query: string, variables?: Record<string, unknown>) => Promise<T>;

/** A client for the gateway at `endpoint` (the console's own origin's /graphql by default). */
export function graphFor(token: string, endpoint = '/graphql'): Graph {
  return async <T>(query: string, variables: Record<string, unknown> = {}): Promise<T> => {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json().catch(() => ({}))) as GraphResponse<T>;
    const [first] = body.errors ?? [];
    if (first) throw new GraphError(first.message, first.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
    if (!response.ok || !body.data) throw new GraphError(`the gateway answered HTTP ${response.status}`, `HTTP_${response.status}`);
    return body.data;
  };
}

/** What to show a person for a failed call: the code first, it is what they would report. */
export function describeError(error: unknown): string {
  if (error instanceof GraphError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
