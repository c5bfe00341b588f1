import type { GraphQLError } from 'graphql';
import { errorFactory } from '@mesh/server-kit';

/** The customer domain's own error codes (the shared ones live in the server kit), each defined once. */
export const CUSTOMER_ERROR_CODES = {
  MERGE_IN_PROGRESS: 'Another merge of one of these customers is under way; nothing was changed. Retry with the same idempotency key.',
} as const;

/** Raises a shared code or one of CUSTOMER_ERROR_CODES; any other code does not compile. */
export const customerError = errorFactory(CUSTOMER_ERROR_CODES);

export const mergeInProgress = (customerId: string): GraphQLError =>
  customerError('MERGE_IN_PROGRESS', `Another merge involving customer ${customerId} is under way; retry with the same idempotency key`, { retryable: true });
