import type { GraphQLError } from 'graphql';
import { meshError } from '@mesh/server-kit';

/** Inventory's own error codes (the shared ones live in the server kit), each defined once. */
export const INVENTORY_ERROR_CODES = {
  IDEMPOTENCY_KEY_REUSED: 'The idempotency key was already used with a different input; nothing was changed.',
  STOCK_CONTENTION: 'The stock level kept changing while a cycle count was applied; retry with the same idempotency key.',
} as const;

export const idempotencyKeyReused = (idempotencyKey: string): GraphQLError =>
  meshError('IDEMPOTENCY_KEY_REUSED', `Idempotency key "${idempotencyKey}" was already used with a different input`, {
    argument: 'input.idempotencyKey',
  });

export const stockContention = (sku: string, locationId: string): GraphQLError =>
  meshError('STOCK_CONTENTION', `Stock of ${sku} at ${locationId} kept changing; retry with the same idempotency key`, {
    retryable: true,
  });
