import type { DeadLetterResolvers, TraceDomain } from '../__generated__/resolvers-types.js';
import { consumerDomain } from '@mesh/events';

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
