import { DeadLetterNotFoundError, type DeadLetter, type EventBus } from '@mesh/events';
import { badUserInput, notFound } from '@mesh/server-kit';
import { LEDGER_CONSUMER_NAMES } from '../consumers/ledger-consumers.js';

/** The ledger consumers' dead letters, oldest first. Throws BAD_USER_INPUT for a consumer that is not the ledger's. */
export async function listLedgerDeadLetters(bus: EventBus, consumer?: string | null): Promise<DeadLetter[]> {
  if (consumer != null && !LEDGER_CONSUMER_NAMES.includes(consumer)) {
    throw badUserInput(`consumer must be one of ${LEDGER_CONSUMER_NAMES.join(', ')}`, { argument: 'consumer' });
  }
  const letters = await bus.listDeadLetters(consumer ? { consumer } : {});
  return letters.filter((letter) => LEDGER_CONSUMER_NAMES.includes(letter.consumer));
}

/**
 * Replays one of the ledger consumers' dead letters to its consumer and returns it as it was.
 * Throws NOT_FOUND for an unknown or already replayed id, or another domain's letter.
 */
export async function replayLedgerDeadLetter(bus: EventBus, id: string): Promise<DeadLetter> {
  const letter = (await listLedgerDeadLetters(bus)).find((candidate) => candidate.id === id);
  if (!letter) throw notFound(`no ledger dead letter ${id} (unknown or already replayed)`, { argument: 'id' });
  try {
    await bus.replayDeadLetter(id);
  } catch (error) {
    if (error instanceof DeadLetterNotFoundError) throw notFound(`no ledger dead letter ${id} (unknown or already replayed)`, { argument: 'id' });
    throw error;
  }
  return letter;
}
