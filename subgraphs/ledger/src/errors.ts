import { errorFactory } from '@mesh/server-kit';

/** The ledger's own error codes (the shared ones live in the server kit), each defined once. */
export const LEDGER_ERROR_CODES = {
  DAY_ALREADY_CLOSED: 'The business day was closed before under another idempotency key; nothing was changed.',
  DAY_NOT_CLOSED: 'A journal export exists only for a closed business day; close it first.',
} as const;

/** Raises a shared code or one of LEDGER_ERROR_CODES; any other code does not compile. */
const ledgerError = errorFactory(LEDGER_ERROR_CODES);

export const dayAlreadyClosed = (currency: string, date: string, closedAt: Date) =>
  ledgerError('DAY_ALREADY_CLOSED', `The ${currency} day ${date} was already closed at ${closedAt.toISOString()}`, { currency, date });

export const dayNotClosed = (currency: string, date: string) =>
  ledgerError('DAY_NOT_CLOSED', `The ${currency} day ${date} is not closed; close it before exporting its journal`, { currency, date });
