import type { GraphQLError } from 'graphql';
import { errorFactory } from '@mesh/server-kit';

/** Inventory's own error codes (the shared ones live in the server kit), each defined once. */
export const INVENTORY_ERROR_CODES = {
  STOCK_CONTENTION: 'The stock level kept changing while a cycle count was applied; retry with the same idempotency key.',
} as const;

/** Raises a shared code or one of INVENTORY_ERROR_CODES; any other code does not compile. */
export const inventoryError = errorFactory(INVENTORY_ERROR_CODES);

export const stockContention = (sku: string, locationId: string): GraphQLError =>
  inventoryError('STOCK_CONTENTION', `Stock of ${sku} at ${locationId} kept changing; retry with the same idempotency key`, {
    retryable: true,
  });
