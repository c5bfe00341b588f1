import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats } from './nats-connection.js';
import {
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { parseEnvelope, type AnyEnvelope, type EnvelopeOf } from './envelope.js';
import type { EventBus } from './event-bus.js';
import { streamNameOf } from './jetstream-bus.js';
import type { Domain } from './payloads/common.payloads.js';
import { TOPICS, domainOf, type Topic } from './topics.js';

/** One event of a live feed and its position in the domain's stream. */
export interface LiveEvent<T extends Topic> {
  /** Opaque; pass it as `after` to continue after this event. */
  readonly cursor: string;
  readonly envelope: EnvelopeOf<T>;
}

/**
 * A read-only, per-reader view of the domain event streams for live subscriptions: unlike
 * `EventBus.subscribe` (a durable consumer whose events are shared between the processes using
 * its name), every reader here sees every event of its topic, whichever replica published it.
 *
 * Cursor format: base64url of `<stream>:<sequence>` (for example `EVENTS_INVENTORY:42`), the
 * JetStream stream sequence of the event. Opaque to clients; ordered within one domain.
 */
export interface LiveFeed {
  /** The cursor of the newest event stored for `domain` now: opening after it yields only later events. */
  position(domain: Domain): Promise<string>;
  /**
   * True when every event after `cursor` is still stored, so a reader opened after it misses
   * nothing; false when older events have expired (beyond the retention window) or the stream
   * was recreated since. Throws InvalidCursorError for a cursor this feed never issued.
   */
  isRetained(cursor: string): Promise<boolean>;
  /**
   * Events of `topic`, oldest first, after `after` (a cursor of the topic's domain), or from now
   * when absent. The iterator's `return()` releases the reader at once. Throws InvalidCursorError
   * for a cursor of another domain or one that does not parse.
   */
  open<T extends Topic>(topic: T, options?: { readonly after?: string }): AsyncIterableIterator<LiveEvent<T>>;
  close(): Promise<void>;
}

/** A cursor that does not parse or belongs to another stream. */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}

/** Encodes a stream position as an opaque cursor. */
export function encodeCursor(stream: string, sequence: number): string {
  return Buffer.from(`${stream}:${sequence}`, 'utf8').toString('base64url');
}

/** Decodes a cursor; throws InvalidCursorError when it is not one. */
export function decodeCursor(cursor: string): { readonly stream: string; readonly sequence: number } {
  const match = /^(EVENTS_[A-Z]+):(\d{1,15})$/.exec(cursor.length <= 64 ? Buffer.from(cursor, 'base64url').toString('utf8') : '');
  if (!match) throw new InvalidCursorError('The cursor is not one this service issued');
  return { stream: match[1]!, sequence: Number(match[2]) };
}

function cursorOfDomain(cursor: string, domain: Domain): number {
  const decoded = decodeCursor(cursor);
  if (decoded.stream !== streamNameOf(domain)) throw new InvalidCursorError(`The cursor belongs to another event stream than ${domain}`);
  return decoded.sequence;
}

// Why: graphql-ws calls `return()` when a client unsubscribes; an async generator would only
// notice after its next event. This queue ends at once and runs `onReturn`.
class LiveQueue<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private waiting: { resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void } | undefined;
  private done = false;
  private failure: unknown;
  constructor(private readonly onReturn: () => void) {}

  push(value: T): void {
    if (this.done) return;
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) waiting.resolve({ value, done: false });
    else this.buffer.push(value);
  }

  fail(error: unknown): void {
    if (this.done) return;
    this.failure = error;
    this.finish();
    this.waiting?.reject(error);
    this.waiting = undefined;
  }

  get size(): number {
    return this.buffer.length;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffer.length > 0) return Promise.resolve({ value: this.buffer.shift() as T, done: false });
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the feed's own failure, passed on as it came
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.buffer.length = 0;
    this.finish();
    this.waiting?.resolve({ value: undefined, done: true });
    this.waiting = undefined;
    return Promise.resolve({ value: undefined, done: true });
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.onReturn();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}

/** Most events a JetStream reader holds unread before it stops pulling (the server keeps the rest). */
const READER_BUFFER = 256;

/**
 * Connects a live feed to the JetStream domain streams (created by `connectJetStreamBus`, which
 * sets their retention). Each `open` is an ephemeral ordered consumer filtered to one topic: the
 * server removes it when the reader goes away, and it survives reconnects without gaps.
 */
export async function connectJetStreamLiveFeed(options: { readonly servers: string | readonly string[]; readonly name?: string }): Promise<LiveFeed> {
  const nc = await connectNats(options);
  const jsm = await jetstreamManager(nc);
  return createJetStreamLiveFeed(nc, jetstream(nc), jsm);
}

function createJetStreamLiveFeed(nc: NatsConnection, js: JetStreamClient, jsm: JetStreamManager): LiveFeed {
  const readers = new Set<LiveQueue<unknown>>();
  const state = async (stream: string) => {
    try {
      return (await jsm.streams.info(stream)).state;
    } catch (error) {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound) return { first_seq: 0, last_seq: 0 };
      throw error;
    }
  };
  return {
    async position(domain) {
      return encodeCursor(streamNameOf(domain), (await state(streamNameOf(domain))).last_seq);
    },
    async isRetained(cursor) {
      const { stream, sequence } = decodeCursor(cursor);
      const { first_seq, last_seq } = await state(stream);
      // A sequence past the end means the stream was recreated: its events are gone.
      return sequence <= last_seq && first_seq <= sequence + 1;
    },
    open<T extends Topic>(topic: T, options: { readonly after?: string } = {}) {
      const stream = streamNameOf(domainOf(topic));
      const after = options.after === undefined ? undefined : cursorOfDomain(options.after, domainOf(topic));
      let messages: ConsumerMessages | undefined;
      let closed = false;
      const queue: LiveQueue<LiveEvent<T>> = new LiveQueue(() => {
        closed = true;
        readers.delete(queue as LiveQueue<unknown>);
        void messages?.close().catch(() => undefined);
      });
      readers.add(queue as LiveQueue<unknown>);
      void (async () => {
        const consumer = await js.consumers.get(stream, {
          filter_subjects: topic, // One subject as a string: servers before 2.10 take no list.
          ...(after === undefined ? { deliver_policy: DeliverPolicy.New } : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: after + 1 }),
        });
        if (closed) return;
        messages = await consumer.consume({ max_messages: READER_BUFFER });
        if (closed) return void messages.close().catch(() => undefined);
        for await (const message of messages) {
          if (closed) break;
          let envelope: AnyEnvelope;
          try {
            envelope = parseEnvelope(message.json());
          } catch {
            continue; // Not an envelope: no reader can use it (the bus's consumers dead-letter it).
          }
          queue.push({ cursor: encodeCursor(stream, message.seq), envelope: envelope as EnvelopeOf<T> });
        }
      })().catch((error: unknown) => queue.fail(error));
      return queue;
    },
    async close() {
      for (const reader of [...readers]) await reader.return();
      if (!nc.isClosed()) await nc.close();
    },
  };
}

/**
 * The live feed of one process's in-memory bus (tests and the embedded default): it numbers the
 * events this process has seen since it started, as a stream would, and keeps them all.
 */
export async function createMemoryLiveFeed(bus: EventBus, consumerName = `live-feed-${process.pid}`): Promise<LiveFeed> {
  const log: { sequence: number; envelope: AnyEnvelope }[] = [];
  const listeners = new Set<(entry: { sequence: number; envelope: AnyEnvelope }) => void>();
  const subscription = await bus.subscribe(TOPICS, consumerName, (envelope) => {
    const entry = { sequence: log.length + 1, envelope };
    log.push(entry);
    for (const listener of listeners) listener(entry);
  });
  const stream = (domain: Domain) => streamNameOf(domain);
  return {
    async position(domain) {
      const last = [...log].reverse().find((entry) => entry.envelope.source === domain);
      return encodeCursor(stream(domain), last?.sequence ?? 0);
    },
    async isRetained(cursor) {
      return decodeCursor(cursor).sequence <= log.length;
    },
    open<T extends Topic>(topic: T, options: { readonly after?: string } = {}) {
      const after = options.after === undefined ? log.length : cursorOfDomain(options.after, domainOf(topic));
      const name = stream(domainOf(topic));
      const deliver = (entry: { sequence: number; envelope: AnyEnvelope }) => {
        if (entry.envelope.type === topic && entry.sequence > after)
          queue.push({ cursor: encodeCursor(name, entry.sequence), envelope: entry.envelope as EnvelopeOf<T> });
      };
      const queue: LiveQueue<LiveEvent<T>> = new LiveQueue(() => listeners.delete(deliver));
      log.forEach(deliver);
      listeners.add(deliver);
      return queue;
    },
    async close() {
      listeners.clear();
      await subscription.stop();
    },
  };
}
