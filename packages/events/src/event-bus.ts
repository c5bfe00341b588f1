import type { AnyEnvelope, EnvelopeOf } from './envelope.js';
import type { Topic } from './topics.js';

/**
 * The transport-agnostic event bus every service talks to. Adapters: `connectJetStreamBus`
 * (production, NATS JetStream) and `createMemoryBus` (one process, the embedded default). Both
 * give the same guarantees, proven by one test suite:
 *
 * - `publish` resolves once the event is durably accepted, and is de-duplicated by envelope id
 *   within the duplicate window (a re-publish after a crash is harmless).
 * - Each consumer name is one durable consumer: it receives every event of its topics once
 *   acknowledged, survives restarts, and processes that share the name compete for its events.
 * - Delivery is at least once; a handler's event is acknowledged only when the handler resolves.
 *   A handler that throws is retried with backoff up to `maxDeliver` deliveries, then the event
 *   goes to the dead letters, from which it can be listed and replayed to that consumer alone.
 * - A member handles one event at a time unless it subscribes with `concurrency`; then events
 *   with the same `partitionKey` still run one at a time in order, and other keys in parallel.
 */
export interface EventBus {
  /** Resolves when the event is durably accepted; rejects when it is not (retry, or let the outbox relay retry). */
  publish<T extends Topic>(envelope: EnvelopeOf<T>): Promise<PublishResult>;
  /**
   * Starts (or joins) the durable consumer `consumerName` for `topics`. Every process that uses the
   * same name must subscribe it to the same topics with the same options. Resolves once the
   * consumer exists, so events published afterwards are never missed. Throws a RangeError for an
   * invalid consumer name or option.
   */
  subscribe<T extends Topic>(topics: T | readonly T[], consumerName: string, handler: EventHandler<T>, options?: SubscribeOptions<T>): Promise<Subscription>;
  /** Dead letters, oldest first; optionally of one consumer. */
  listDeadLetters(filter?: { readonly consumer?: string }): Promise<DeadLetter[]>;
  /**
   * Sends a dead letter's event again to the consumer that failed it (no other consumer sees it),
   * with a fresh delivery budget, and removes it from the dead letters. A replay that fails again
   * becomes a new dead letter. Throws DeadLetterNotFoundError for an unknown (or already replayed) id.
   */
  replayDeadLetter(id: string): Promise<void>;
  /**
   * How far behind each durable consumer this bus has subscribed (in this process, stopped ones
   * included) is: per domain stream, the events not yet delivered plus those delivered and not yet
   * acknowledged. Shared by every member of the consumer, wherever it runs.
   */
  consumerBacklog(): Promise<ConsumerBacklog[]>;
  /** Stops every subscription of this bus (waiting for running handlers) and disconnects. */
  close(): Promise<void>;
}

/** One durable consumer's backlog on one domain stream (see EventBus.consumerBacklog). */
export interface ConsumerBacklog {
  readonly consumer: string;
  /** The domain whose stream it reads. */
  readonly domain: string;
  readonly pending: number;
}

export interface PublishResult {
  /** True when an envelope with the same id was already accepted (nothing new was stored). */
  readonly duplicate: boolean;
}

/** What a handler knows about the delivery besides the event. */
export interface DeliveryContext {
  readonly consumer: string;
  /** 1 for the first delivery; higher for redeliveries (counting since the last replay). */
  readonly deliveryCount: number;
  /** True when this delivery was started by `replayDeadLetter`. */
  readonly replay: boolean;
}

/**
 * Handles one event of the subscribed topics. Resolve to acknowledge; throw to have it redelivered
 * (or dead-lettered once deliveries are exhausted). It may run more than once for the same event:
 * make its effects idempotent (see `idempotent`). Throwing EventInProgressError is not a failure:
 * the delivery waits and runs the handler again (see there).
 */
export type EventHandler<T extends Topic> = (envelope: AnyEnvelope<T>, context: DeliveryContext) => Promise<void> | void;

/** How a consumer receives its events; `T` types `partitionKey`'s envelope. */
export interface SubscribeOptions<T extends Topic = Topic> {
  /** Deliveries (first included) before the event goes to the dead letters. Default 5. */
  readonly maxDeliver?: number;
  /**
   * Delay before redelivering after the handler threw, per failed delivery (the last value repeats).
   * Default [1000, 5000, 15000, 30000] ms.
   */
  readonly backoffMs?: readonly number[];
  /**
   * How long a delivery may stay unacknowledged before it is given to another consumer process
   * (JetStream `ack_wait`; it covers a process that died mid-handler). Keep it above the slowest
   * handler. Default 30000 ms. The memory bus has no other process and ignores it.
   */
  readonly ackWaitMs?: number;
  /**
   * How many events this member handles at once (events waiting behind their partition key count;
   * a subscription to topics of several domains has this many per domain stream, as at 1).
   * Default 1: strictly one at a time, in delivery order. Above 1, the JetStream adapter pulls up
   * to this many and keeps pulling as they settle; each event is still acknowledged, retried or
   * dead-lettered on its own, exactly as at 1, and `stop()` waits for all of them. Keep `ackWaitMs`
   * above the time the slowest partition takes to work through its waiting events. 1 to 1000.
   */
  readonly concurrency?: number;
  /**
   * The partition of an event when `concurrency` is above 1: events of one key are handled one at
   * a time in the order this member received them; different keys run in parallel. Without it
   * every event is its own partition (no order at all). Ordering holds per member and per
   * delivery: an event that failed is redelivered after its backoff, behind later events of its
   * key, and members sharing a consumer may each hold events of the same key (as at concurrency
   * 1). It must not throw; if it does, the event joins one shared partition of such events.
   */
  partitionKey?(envelope: AnyEnvelope<T>): string;
  /**
   * One event at a time across every member of the consumer, in every process (JetStream
   * `max_ack_pending` 1): for a handler whose check-then-write is safe only one at a time (a merge
   * that reads aliases before it writes one). `concurrency` 1 serialises one member only; replicas
   * joining the same consumer would otherwise each run one (per domain stream, for a subscription
   * to several domains). Default false. The memory bus has no
   * other process: there `concurrency` 1 already means it.
   */
  readonly exclusive?: boolean;
}

export interface Subscription {
  readonly consumer: string;
  readonly topics: readonly Topic[];
  /** Stops receiving; resolves when every running handler has settled. The durable consumer stays. */
  stop(): Promise<void>;
}

/** An event whose deliveries were exhausted for one consumer. */
export interface DeadLetter {
  /** Opaque; pass it to `replayDeadLetter`. */
  readonly id: string;
  readonly consumer: string;
  readonly envelope: AnyEnvelope;
  /** The last failure. */
  readonly error: { readonly name: string; readonly message: string; readonly stack?: string };
  /** Deliveries made before giving up. */
  readonly deliveries: number;
  /**
   * ISO 8601 instant of its first failed delivery. The adapters track it in the process that
   * delivers: when that process changed between the first and the last failure, it is the first
   * failure that process saw (at worst equal to `failedAt`).
   */
  readonly firstFailedAt: string;
  /** ISO 8601 instant at which it was dead-lettered (its last failure). */
  readonly failedAt: string;
}

/**
 * Thrown by a handler when the same fact is being handled by another delivery right now (another
 * process, or a redelivery overlapping a slow first attempt). It is not a failure: the adapter keeps
 * this delivery (JetStream: restarting its ack wait), waits for `whenSettled`, and runs the handler
 * again, without spending the event's delivery budget, so it is never dead-lettered for being busy.
 * Only when the subscription stops does the delivery give the event back for a later one.
 */
export class EventInProgressError extends Error {
  override readonly name = 'EventInProgressError';
  /**
   * @param whenSettled resolves when the other delivery may have settled: at once when it settles
   * in this process, otherwise after about `withinMs` (then the handler simply asks again).
   */
  constructor(
    message: string,
    readonly whenSettled: (withinMs: number) => Promise<void> = (withinMs) => new Promise((resolve) => setTimeout(resolve, withinMs)),
  ) {
    super(message);
  }
}

export class DeadLetterNotFoundError extends Error {
  override readonly name = 'DeadLetterNotFoundError';
  constructor(readonly deadLetterId: string) {
    super(`no dead letter ${deadLetterId} (unknown or already replayed)`);
  }
}

/** The subscribe options with their defaults applied and checked. */
export interface DeliveryPolicy {
  readonly maxDeliver: number;
  readonly backoffMs: readonly number[];
  readonly ackWaitMs: number;
}

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = Object.freeze({
  maxDeliver: 5,
  backoffMs: Object.freeze([1000, 5000, 15000, 30000]),
  ackWaitMs: 30_000,
});

const CONSUMER_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Applies defaults and validates; shared by the adapters so that both reject the same input. */
export function deliveryPolicyOf(consumerName: string, topics: readonly string[], options: SubscribeOptions = {}): DeliveryPolicy {
  if (!CONSUMER_NAME.test(consumerName)) {
    throw new RangeError(`consumer name "${consumerName}" must be 1-64 letters, digits, '-' or '_'`);
  }
  if (topics.length === 0) throw new RangeError(`consumer ${consumerName} subscribes to no topic`);
  const policy: DeliveryPolicy = {
    maxDeliver: options.maxDeliver ?? DEFAULT_DELIVERY_POLICY.maxDeliver,
    backoffMs: options.backoffMs ?? DEFAULT_DELIVERY_POLICY.backoffMs,
    ackWaitMs: options.ackWaitMs ?? DEFAULT_DELIVERY_POLICY.ackWaitMs,
  };
  if (!Number.isSafeInteger(policy.maxDeliver) || policy.maxDeliver < 1) throw new RangeError('maxDeliver must be a positive integer');
  if (policy.backoffMs.length === 0 || policy.backoffMs.some((ms) => !Number.isFinite(ms) || ms < 0)) {
    throw new RangeError('backoffMs must list at least one non-negative delay');
  }
  if (!Number.isFinite(policy.ackWaitMs) || policy.ackWaitMs < 100) throw new RangeError('ackWaitMs must be at least 100');
  return policy;
}

/** How many events one member handles at once, and which of them must keep their order. */
export interface Partitioning {
  readonly concurrency: number;
  /** Undefined: every event unordered (only with concurrency above 1). */
  readonly keyOf: (envelope: AnyEnvelope) => string | undefined;
}

const THROWING_PARTITION_KEY = '\u0000partition-key-threw';

/** Applies the concurrency defaults and validates; shared by the adapters. */
export function partitioningOf(options: SubscribeOptions = {}, logger: EventLogger = silentLogger): Partitioning {
  const concurrency = options.concurrency ?? 1;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > 1000) throw new RangeError('concurrency must be an integer from 1 to 1000');
  const { partitionKey } = options;
  if (partitionKey !== undefined && typeof partitionKey !== 'function') throw new RangeError('partitionKey must be a function');
  if (concurrency === 1 || !partitionKey) return { concurrency, keyOf: () => undefined };
  return {
    concurrency,
    keyOf(envelope) {
      try {
        return String(partitionKey(envelope));
      } catch (error) {
        logger.warn({ eventId: envelope.id, type: envelope.type, err: error }, 'partitionKey threw; the event joins the shared fallback partition');
        return THROWING_PARTITION_KEY;
      }
    },
  };
}

/** The slice of a pino logger the adapters and the relay use (a pino logger fits). */
export interface EventLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export const silentLogger: EventLogger = { info: () => {}, warn: () => {}, error: () => {} };
