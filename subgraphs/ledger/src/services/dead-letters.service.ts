import { consumerDomain, DeadLetterNotFoundError, type DeadLetter, type Domain, type EventBus } from '@mesh/events';
import { identifier, notFound } from '@mesh/server-kit';

/** Which dead letters to list: one consumer, one consuming domain, or all. */
export interface DeadLetterFilter {
  readonly consumer?: string | null;
  readonly domain?: Domain | null;
}

/**
 * Every consumer's dead letters, oldest first. The dead-letter stream is shared by all consumers
 * of the mesh, so the ledger serves them all: it is the mesh's exceptions desk (one place for
 * operations to see and replay what failed, whichever domain's consumer failed it). A consumer's
 * domain is the first segment of its name (`inventory-order-events`).
 */
export async function listDeadLetters(bus: EventBus, filter: DeadLetterFilter = {}): Promise<DeadLetter[]> {
  const consumer = filter.consumer == null ? undefined : identifier(filter.consumer, 'consumer');
  const letters = await bus.listDeadLetters(consumer ? { consumer } : {});
  return filter.domain ? letters.filter((letter) => consumerDomain(letter.consumer) === filter.domain) : letters;
}

/**
 * Replays a dead letter to the consumer that failed it (no other consumer sees it) and returns it
 * as it was. Throws NOT_FOUND for an unknown or already replayed id.
 */
export async function replayDeadLetter(bus: EventBus, id: string): Promise<DeadLetter> {
  const missing = () => notFound(`no dead letter ${id} (unknown or already replayed)`, { argument: 'id' });
  const letter = (await bus.listDeadLetters()).find((candidate) => candidate.id === id);
  if (!letter) throw missing();
  try {
    await bus.replayDeadLetter(id);
  } catch (error) {
    if (error instanceof DeadLetterNotFoundError) throw missing();
    throw error;
  }
  return letter;
}
