import type { GraphQLError } from 'graphql';
import { errorFactory } from '@mesh/server-kit';

/** The store-hours domain's own error codes (the shared ones live in the server kit). */
export const STORE_HOURS_ERROR_CODES = {
  INVALID_HOURS: 'The hours are not two HH:MM times with opening before closing; nothing was changed.',
} as const;

export const storeHoursError = errorFactory(STORE_HOURS_ERROR_CODES);

export const invalidHours = (opensAt: string, closesAt: string): GraphQLError =>
  storeHoursError('INVALID_HOURS', `Opening at ${opensAt} and closing at ${closesAt} are not valid hours`);
