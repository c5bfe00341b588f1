import { errorFactory } from '@mesh/server-kit';

/** The integration domain's own error codes (the shared ones live in the server kit), each defined once. */
export const INTEGRATION_ERROR_CODES = {
  NOT_REPLAYABLE: 'Only a message in EXCEPTION can be replayed; nothing was changed.',
  INVALID_SETTLEMENT_FILE: 'The settlement report failed a file check (extensions.reason says which, extensions.row where); nothing was imported.',
  SETTLEMENT_CONFLICT: 'A settlement with this id was imported before with other contents; nothing was changed.',
  NOT_OPEN: 'Only an OPEN settlement exception can be resolved; nothing was changed.',
  UPSTREAM_UNAVAILABLE: 'The order or ledger subgraph could not be asked; import the same file again later (nothing is done twice).',
} as const;

/** Raises a shared code or one of INTEGRATION_ERROR_CODES; any other code does not compile. */
const integrationError = errorFactory(INTEGRATION_ERROR_CODES);

export const notReplayable = (id: string, status: string) =>
  integrationError('NOT_REPLAYABLE', `Message ${id} is ${status}; only an EXCEPTION can be replayed`, { id, status });

export const invalidSettlementFile = (reason: string, message: string, row?: number) =>
  integrationError('INVALID_SETTLEMENT_FILE', `Settlement file refused: ${message}`, { reason, ...(row === undefined ? {} : { row }) });

export const settlementConflict = (id: string) => integrationError('SETTLEMENT_CONFLICT', `Settlement ${id} was imported before with other contents`, { id });

export const notOpen = (id: string, status: string) =>
  integrationError('NOT_OPEN', `Settlement exception ${id} is ${status}; only an OPEN one can be resolved`, { id, status });

export const upstreamUnavailable = (message: string) => integrationError('UPSTREAM_UNAVAILABLE', message, { retryable: true });
