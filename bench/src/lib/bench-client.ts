import { postJson } from './http-post.js';

/**
 * A GraphQL client for the order-placing scenarios (5 and 7): any GraphQL error is thrown with the
 * operation's name, so a scenario fails loudly instead of counting a broken answer. Only a gateway
 * time-out (SUBGRAPH_TIMEOUT, seen on a saturated machine) is repeated, `attempts` times in all:
 * every request these scenarios send is a read or carries an idempotency key, so a repeat is safe.
 */
export class BenchClient {
  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  async request<T>(operation: string, query: string, variables: Record<string, unknown> = {}, attempts = 3): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once<T>(operation, query, variables);
      } catch (error) {
        if (!isTimeout(error) || attempt >= attempts) throw error;
      }
    }
  }

  private async once<T>(operation: string, query: string, variables: Record<string, unknown>): Promise<T> {
    const response = await postJson(this.url, { authorization: `Bearer ${this.token}` }, JSON.stringify({ query, variables }));
    const text = response.text;
    let body: { data?: T | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new Error(`${operation}: HTTP ${response.status}, not JSON: ${text.slice(0, 200)}`);
    }
    if (body.errors?.length) {
      const codes = body.errors.map((error) => String(error.extensions?.['code'] ?? 'no code'));
      const retryAfterMs = Number(body.errors[0]!.extensions?.['retryAfterMs']);
      throw new GraphQLRequestError(
        `${operation}: ${body.errors.map((error, index) => `${error.message} (${codes[index]})`).join('; ')}`,
        codes,
        Number.isFinite(retryAfterMs) ? retryAfterMs : undefined,
      );
    }
    if (!body.data) throw new Error(`${operation}: HTTP ${response.status} without data`);
    return body.data;
  }
}

export class GraphQLRequestError extends Error {
  override readonly name = 'GraphQLRequestError';
  constructor(
    message: string,
    readonly codes: readonly string[],
    /** A saturated intake's hint (INTAKE_SATURATED). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** A gateway time-out of a subgraph: worth repeating an idempotent request, unlike any other error. */
export const isTimeout = (error: unknown): boolean => error instanceof GraphQLRequestError && error.codes.every((code) => code === 'SUBGRAPH_TIMEOUT');

/** Runs `task` over `items` with at most `limit` at once, answering the results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
