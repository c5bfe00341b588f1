import type { GraphQLError } from 'graphql';
import { meshError } from '@mesh/server-kit';

/** The customer domain's own error codes (the shared ones live in the server kit), each defined once. */
export const CUSTOMER_ERROR_CODES = {
  IDEMPOTENCY_KEY_REUSED: 'The idempotency key was already used with a different input; nothing was changed.',
  MERGE_IN_PROGRESS: 'Another merge of one of these customers is under way; nothing was changed. Retry with the same idempotency key.',
} as const;

export const idempotencyKeyReused = (idempotencyKey: string): GraphQLError =>
  meshError('IDEMPOTENCY_KEY_REUSED', `Idempotency key "${idempotencyKey}" was already used with a different input`, {
    argument: 'input.idempotencyKey',
  });

export const mergeInProgress = (customerId: string): GraphQLError =>
  meshError('MERGE_IN_PROGRESS', `Another merge involving customer ${customerId} is under way; retry with the same idempotency key`, { retryable: true });
