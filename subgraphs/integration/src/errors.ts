import { meshError } from '@mesh/server-kit';

/** The integration domain's own error codes (the shared ones live in the server kit), each defined once. */
export const INTEGRATION_ERROR_CODES = {
  NOT_REPLAYABLE: 'Only a message in EXCEPTION can be replayed; nothing was changed.',
} as const;

export const notReplayable = (id: string, status: string) => meshError('NOT_REPLAYABLE', `Message ${id} is ${status}; only an EXCEPTION can be replayed`, { id, status });
