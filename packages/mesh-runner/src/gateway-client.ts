import { setTimeout as sleep } from 'node:timers/promises';

/** A GraphQL error as the gateway reports it. */
export interface GatewayError {
  readonly message: string;
  readonly extensions?: Record<string, unknown>;
}

/** Thrown when an operation answers with errors (after the retries a transient failure gets). */
export class GatewayOperationError extends Error {
  constructor(
    readonly operation: string,
    readonly errors: readonly GatewayError[],
  ) {
    super(`${operation}: ${errors.map((error) => `${String(error.extensions?.['code'] ?? 'ERROR')} ${error.message}`).join('; ')}`);
  }
}

/** Codes of a deliberate refusal: retrying the same request cannot change the answer. */
const FINAL_CODES = new Set([
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'FORBIDDEN',
  'UNAUTHENTICATED',
  'ILLEGAL_TRANSITION',
  'IDEMPOTENCY_KEY_REUSED',
  'GRAPHQL_VALIDATION_FAILED',
]);

/**
 * Sends operations to the gateway as one bearer. Every operation the history driver sends is
 * idempotent (it carries a key derived from the plan, or only reads), so a network failure or an
 * unexpected server error is retried a few times with backoff; a deliberate refusal is not.
 */
export class GatewayClient {
  constructor(
    private readonly url: string,
    private readonly token: string,
    private readonly attempts = 4,
  ) {}

  async request<T>(operation: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.attempts; attempt += 1) {
      try {
        const response = await fetch(this.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
          body: JSON.stringify({ query, variables }),
        });
        const body = (await response.json()) as { data?: T | null; errors?: GatewayError[] };
        if (body.errors?.length) {
          const error = new GatewayOperationError(operation, body.errors);
          if (body.errors.some((entry) => FINAL_CODES.has(String(entry.extensions?.['code'])))) throw error;
          lastError = error;
        } else if (body.data) {
          return body.data;
        } else {
          lastError = new Error(`${operation}: HTTP ${response.status} without data`);
        }
      } catch (error) {
        if (error instanceof GatewayOperationError && error.errors.some((entry) => FINAL_CODES.has(String(entry.extensions?.['code'])))) throw error;
        lastError = error;
      }
      if (attempt < this.attempts) await sleep(250 * 2 ** attempt);
    }
    throw lastError;
  }
}
