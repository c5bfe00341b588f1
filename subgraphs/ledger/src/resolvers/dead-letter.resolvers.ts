import type { DeadLetterResolvers, MutationResolvers, TraceDomain } from '../__generated__/resolvers-types.js';
import { consumerDomain } from '@mesh/events';
import { identifier } from '@mesh/server-kit';
import { requireDeadLetterReplay } from '../ledger-access.js';

export const DeadLetter: DeadLetterResolvers = {
  topic: (letter) => letter.envelope.type,
  eventId: (letter) => letter.envelope.id,
  idempotencyKey: (letter) => letter.envelope.idempotencyKey,
  correlationId: (letter) => letter.envelope.correlationId,
  occurredAt: (letter) => letter.envelope.occurredAt,
  errorMessage: (letter) => letter.error.message,
  errorName: (letter) => letter.error.name,
  domain: (letter) => (consumerDomain(letter.consumer)?.toUpperCase() as TraceDomain | undefined) ?? null,
  lastFailedAt: (letter) => letter.failedAt,
};

export const Mutation: MutationResolvers = {
  replayDeadLetter: (_parent, { id }, { principal, ledger }) => {
    requireDeadLetterReplay(principal);
    return ledger.replayDeadLetter(identifier(id, 'id'));
  },
};
