import { headers } from '@nats-io/transport-node';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { parseEnvelope } from './envelope.js';
import { DeadLetterNotFoundError, type DeadLetter } from './event-bus.js';

/**
 * Dead letters on JetStream. JetStream has no dead-letter queue of its own, so the consumer's
 * delivery wrapper writes one: when a handler fails on delivery `maxDeliver` (or a delivery
 * arrives past it because the last attempt never settled), it publishes the envelope, the error,
 * the delivery count and the consumer to this stream, and only then terminates the message.
 *
 * Chosen over the server's MAX_DELIVERIES advisory because the wrapper knows the error and the
 * envelope at that moment and records them before giving the message up; the advisory carries
 * only a stream sequence, is lost when no listener is connected, and would need the original
 * message to still be in its stream.
 */
export const DEAD_LETTER_STREAM = 'DEAD_LETTERS';
export const DEAD_LETTER_SUBJECTS = 'dead-letters.>';
/** Set on a replayed event: only the consumer it names handles it; the others ack and skip it. */
export const REPLAY_FOR_HEADER = 'Mesh-Replay-For';

type StoredDeadLetter = Omit<DeadLetter, 'id' | 'firstFailedAt'> & {
  readonly source: { readonly stream: string; readonly seq: number };
  /** Absent on letters stored before it was recorded. */
  readonly firstFailedAt?: string;
};

export interface DeadLetterStore {
  /** Records a dead letter; the same source message recorded twice is stored once. Resolves to its id. */
  add(letter: Omit<DeadLetter, 'id' | 'failedAt' | 'firstFailedAt'> & { readonly firstFailedAt?: string }, source: StoredDeadLetter['source']): Promise<string>;
  list(consumer?: string): Promise<DeadLetter[]>;
  replay(id: string): Promise<void>;
}

export function createDeadLetterStore(js: JetStreamClient, jsm: JetStreamManager): DeadLetterStore {
  function toDeadLetter(seq: number, stored: StoredDeadLetter): DeadLetter {
    const { consumer, envelope, error, deliveries, failedAt } = stored;
    return { id: String(seq), consumer, envelope: parseEnvelope(envelope), error, deliveries, firstFailedAt: stored.firstFailedAt ?? failedAt, failedAt };
  }

  async function load(id: string): Promise<StoredDeadLetter> {
    const seq = /^\d{1,15}$/.test(id) ? Number(id) : 0;
    const message = seq > 0 ? await jsm.streams.getMessage(DEAD_LETTER_STREAM, { seq }) : null;
    if (!message) throw new DeadLetterNotFoundError(id);
    return message.json<StoredDeadLetter>();
  }

  return {
    async add(letter, source) {
      const failedAt = new Date().toISOString();
      const stored: StoredDeadLetter = { ...letter, firstFailedAt: letter.firstFailedAt ?? failedAt, failedAt, source };
      const ack = await js.publish(`dead-letters.${letter.consumer}`, JSON.stringify(stored), {
        msgID: `dead-letter:${letter.consumer}:${source.stream}:${source.seq}`,
      });
      return String(ack.seq);
    },

    async list(consumer) {
      const { state } = await jsm.streams.info(DEAD_LETTER_STREAM);
      if (state.messages === 0) return [];
      // An ordered (ephemeral, unacknowledged) consumer reads the stream once, skipping deleted letters.
      const reader = await js.consumers.get(DEAD_LETTER_STREAM);
      const letters: DeadLetter[] = [];
      try {
        const batch = await reader.fetch({ max_messages: state.messages, expires: 5000 });
        for await (const message of batch) {
          const letter = toDeadLetter(message.seq, message.json<StoredDeadLetter>());
          if (!consumer || letter.consumer === consumer) letters.push(letter);
          if (message.info.pending === 0) break;
        }
      } finally {
        await reader.delete().catch(() => false);
      }
      return letters;
    },

    async replay(id) {
      const stored = await load(id);
      const replayHeaders = headers();
      replayHeaders.set(REPLAY_FOR_HEADER, stored.consumer);
      // The msgID makes concurrent replays of one letter publish once.
      await js.publish(stored.envelope.type, JSON.stringify(stored.envelope), { msgID: `replay:${id}`, headers: replayHeaders });
      await jsm.streams.deleteMessage(DEAD_LETTER_STREAM, Number(id), false).catch(() => false);
    },
  };
}
