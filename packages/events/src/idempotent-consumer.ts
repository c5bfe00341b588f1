import { isDuplicateKey } from './duplicate-key.js';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Schema, type Connection, type Model } from 'mongoose';
import { EventInProgressError, type EventHandler } from './event-bus.js';
import type { Topic } from './topics.js';

/** The outcome of claiming an event for one consumer. */
export type ClaimResult =
  | { readonly outcome: 'claimed'; readonly token: string }
  /** This consumer already completed the event: skip it. */
  | { readonly outcome: 'done' }
  /** Another delivery holds an unexpired claim on it right now: ask again once it settles. */
  | { readonly outcome: 'busy' };

/**
 * Remembers which events each consumer has completed. A claim is a lease: a consumer that died
 * mid-handler leaves a claim that expires after `leaseMs` and is then taken over.
 */
export interface ProcessedEventStore {
  claim(consumer: string, key: string, leaseMs: number): Promise<ClaimResult>;
  /** Marks the claim done for good, remembering which event it was (for traces). */
  complete(consumer: string, key: string, token: string, event?: HandledEvent): Promise<void>;
  /**
   * Gives the claim up (the handler failed) so that the redelivery runs it again. Never throws:
   * a claim it cannot remove is remembered as abandoned, and this store's next claim of the key
   * takes it over at once (another process's, after the lease).
   */
  release(consumer: string, key: string, token: string): Promise<void>;
  /**
   * Resolves when a claim of the key is completed, released or abandoned through this store (in
   * this process), or after `withinMs` at the latest: a holder elsewhere is found by asking again.
   */
  whenSettled(consumer: string, key: string, withinMs: number): Promise<void>;
  /**
   * Records the event as done without having claimed it (see `IdempotentOptions.guarded`), in one
   * write; a record already there (done, or claimed by another delivery) is left as it is.
   */
  recordDone(consumer: string, key: string, event?: HandledEvent): Promise<void>;
}

/** What a completed claim remembers of its event: traces show which consumer handled what, and when. */
export interface HandledEvent {
  readonly eventId: string;
  readonly type: string;
  readonly correlationId: string;
}

export interface IdempotentOptions<T extends Topic> {
  /** How long a claim lasts before another delivery may take it over (default 60 s). */
  readonly leaseMs?: number;
  /**
   * Which events the handler acts on. Others are acknowledged without a claim and without running
   * the handler, and leave no processed-event record (so no "handled" step in traces): give it
   * only for events the handler provably ignores, such as status changes that carry nothing for it.
   */
  readonly handles?: (envelope: Parameters<EventHandler<T>>[0]) => boolean;
  /**
   * Events whose handler needs no claim: every effect it has is guarded by the write that makes it
   * (a status guard, a unique key, a decision marker), so that running it again, or twice at once,
   * changes state once. The first delivery of such an event runs the handler unclaimed and then
   * records the event done, one write instead of two (the claim and its completion): a database
   * command less per event. Redeliveries and replays take the claim as any other event does, so a
   * redelivered event that was completed is still skipped.
   */
  readonly guarded?: (envelope: Parameters<EventHandler<T>>[0]) => boolean;
}

/**
 * Wraps a handler so that a redelivered or re-published event (same topic and idempotency key)
 * runs it to completion at most once per consumer: a completed event is acknowledged and skipped,
 * a failed one is released for the retry. A delivery that finds the event claimed by another one
 * throws EventInProgressError, so the bus waits for that one to settle without counting a failure.
 * A process that dies mid-handler leaves a claim that another delivery takes over after `leaseMs`
 * (default 60 s; keep it above the slowest handler), so a handler can be re-run after a crash:
 * effects that must be exactly once also need their own guard in the same write (a marker in the
 * updated document, a unique key).
 */
export function idempotent<T extends Topic>(store: ProcessedEventStore, handler: EventHandler<T>, options: IdempotentOptions<T> = {}): EventHandler<T> {
  const leaseMs = options.leaseMs ?? 60_000;
  return async (envelope, context) => {
    // An event the handler would do nothing with costs no claim (two writes each, for every order's status changes).
    if (options.handles && !options.handles(envelope)) return;
    const key = `${envelope.type}:${envelope.idempotencyKey}`;
    const handled = { eventId: envelope.id, type: envelope.type, correlationId: envelope.correlationId };
    if (context.deliveryCount === 1 && !context.replay && options.guarded?.(envelope)) {
      await handler(envelope, context);
      await store.recordDone(context.consumer, key, handled);
      return;
    }
    const claim = await store.claim(context.consumer, key, leaseMs);
    if (claim.outcome === 'done') return;
    if (claim.outcome === 'busy') {
      throw new EventInProgressError(`${key} is being handled by another delivery of ${context.consumer}`, (withinMs) =>
        store.whenSettled(context.consumer, key, withinMs),
      );
    }
    try {
      await handler(envelope, context);
    } catch (error) {
      await store.release(context.consumer, key, claim.token);
      throw error;
    }
    await store.complete(context.consumer, key, claim.token, handled);
  };
}

/** Waiters for claims of this process to settle, keyed by `<consumer>|<key>`. */
class SettledSignals {
  readonly #waiters = new Map<string, Set<() => void>>();

  wait(id: string, withinMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const waiters = this.#waiters.get(id) ?? new Set<() => void>();
      this.#waiters.set(id, waiters);
      const wake = () => {
        clearTimeout(timer);
        waiters.delete(wake);
        if (waiters.size === 0 && this.#waiters.get(id) === waiters) this.#waiters.delete(id);
        resolve();
      };
      const timer = setTimeout(wake, withinMs);
      waiters.add(wake);
    });
  }

  settled(id: string): void {
    for (const wake of [...(this.#waiters.get(id) ?? [])]) wake();
  }
}

/** A processed-event store in this process's memory (the embedded default and tests). */
export function memoryProcessedEvents(): ProcessedEventStore {
  const claims = new Map<string, { done: boolean; token: string; leaseUntil: number }>();
  const signals = new SettledSignals();
  return {
    async claim(consumer, key, leaseMs) {
      const id = `${consumer}|${key}`;
      const existing = claims.get(id);
      if (existing?.done) return { outcome: 'done' };
      if (existing && existing.leaseUntil > Date.now()) return { outcome: 'busy' };
      const token = randomUUID();
      claims.set(id, { done: false, token, leaseUntil: Date.now() + leaseMs });
      return { outcome: 'claimed', token };
    },
    async complete(consumer, key, token) {
      const id = `${consumer}|${key}`;
      const claim = claims.get(id);
      if (claim?.token === token) claim.done = true;
      signals.settled(id);
    },
    async release(consumer, key, token) {
      const id = `${consumer}|${key}`;
      if (claims.get(id)?.token === token) claims.delete(id);
      signals.settled(id);
    },
    whenSettled: (consumer, key, withinMs) => signals.wait(`${consumer}|${key}`, withinMs),
    async recordDone(consumer, key) {
      const id = `${consumer}|${key}`;
      if (!claims.has(id)) claims.set(id, { done: true, token: randomUUID(), leaseUntil: 0 });
    },
  };
}

export interface ProcessedEventRecord {
  /** `<consumer>|<topic>:<idempotency key>` */
  _id: string;
  consumer: string;
  state: 'RUNNING' | 'DONE';
  token: string;
  leaseUntil: Date;
  completedAt?: Date;
  /** The completed event's envelope id, topic and correlation id (absent on records older than traces). */
  eventId?: string;
  type?: string;
  correlationId?: string;
}

const processedEventSchema = new Schema<ProcessedEventRecord>(
  {
    _id: { type: String, required: true },
    consumer: { type: String, required: true },
    state: { type: String, required: true, enum: ['RUNNING', 'DONE'] },
    token: { type: String, required: true },
    leaseUntil: { type: Date, required: true },
    completedAt: { type: Date },
    eventId: { type: String },
    type: { type: String },
    correlationId: { type: String },
  },
  { versionKey: false, collection: 'processed_events' },
);
processedEventSchema.index({ correlationId: 1 }, { sparse: true });

/** The consuming service's `processed_events` collection (in its own database). */
export function createProcessedEventModel(connection: Connection): Model<ProcessedEventRecord> {
  return connection.models['ProcessedEvent'] ?? connection.model<ProcessedEventRecord>('ProcessedEvent', processedEventSchema);
}

/** Attempts and pauses for writing a claim's end before giving up on the database for now. */
const SETTLE_ATTEMPTS_MS = [0, 50, 250] as const;

/**
 * A processed-event store in MongoDB: one document per (consumer, event), claimed with
 * single-document atomic writes. Safe under any interleaving of deliveries in any processes: a
 * claim is inserted, or found done, or found held (busy), or taken over when its holder's lease
 * has expired or when this process abandoned it (its release could not be written).
 */
export function mongoProcessedEvents(model: Model<ProcessedEventRecord>): ProcessedEventStore {
  const signals = new SettledSignals();
  /** Tokens of claims this process gave up but could not remove, by claim id (the newest 10,000). */
  const abandoned = new Map<string, string>();
  const abandon = (_id: string, token: string) => {
    abandoned.delete(_id);
    if (abandoned.size >= 10_000) abandoned.delete(abandoned.keys().next().value as string);
    abandoned.set(_id, token);
  };

  async function insertClaim(_id: string, consumer: string, token: string, leaseUntil: Date): Promise<boolean> {
    try {
      await model.create({ _id, consumer, state: 'RUNNING', token, leaseUntil });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      // The insert may have been applied although its answer was lost: a claim left behind
      // would hold the event for the whole lease. Remove ours, if it exists.
      await model.deleteOne({ _id, token }).catch(() => undefined);
      throw error;
    }
  }

  /** Runs a write that ends a claim, retrying a failing database briefly; false if it never went through. */
  async function settleWrite(write: () => Promise<unknown>): Promise<boolean> {
    for (const pause of SETTLE_ATTEMPTS_MS) {
      if (pause > 0) await sleep(pause);
      try {
        await write();
        return true;
      } catch {
        // Tried again after the next pause.
      }
    }
    return false;
  }

  return {
    async claim(consumer, key, leaseMs) {
      const _id = `${consumer}|${key}`;
      // Each pass settles one race (the holder released or completed between two reads); the
      // bound only guards against a store that keeps changing under us, which answers busy.
      for (let pass = 0; pass < 4; pass++) {
        const token = randomUUID();
        const leaseUntil = new Date(Date.now() + leaseMs);
        if (await insertClaim(_id, consumer, token, leaseUntil)) return { outcome: 'claimed', token };
        const existing = await model.findById(_id, { state: 1, token: 1, leaseUntil: 1 }).lean();
        if (!existing) continue; // Released after our insert collided: insert again.
        if (existing.state === 'DONE') return { outcome: 'done' };
        const ours = abandoned.get(_id) === existing.token;
        if (!ours && existing.leaseUntil.getTime() >= Date.now()) return { outcome: 'busy' };
        const takenOver = await model.updateOne({ _id, state: 'RUNNING', token: existing.token }, { $set: { token, leaseUntil } });
        if (takenOver.modifiedCount === 1) {
          if (ours) abandoned.delete(_id);
          return { outcome: 'claimed', token };
        }
      }
      return { outcome: 'busy' };
    },
    async complete(consumer, key, token, event) {
      const _id = `${consumer}|${key}`;
      const written = await settleWrite(() => model.updateOne({ _id, token }, { $set: { state: 'DONE', completedAt: new Date(), ...event } }));
      if (!written) {
        // The handler's effects happened but are not recorded as done: the next delivery of this
        // process runs it again at once (effects are guarded), instead of waiting out the lease.
        abandon(_id, token);
        signals.settled(_id);
        throw new Error(`could not mark ${_id} done; it will be handled again`);
      }
      signals.settled(_id);
    },
    async release(consumer, key, token) {
      const _id = `${consumer}|${key}`;
      if (!(await settleWrite(() => model.deleteOne({ _id, token, state: 'RUNNING' })))) abandon(_id, token);
      signals.settled(_id);
    },
    whenSettled: (consumer, key, withinMs) => signals.wait(`${consumer}|${key}`, withinMs),
    async recordDone(consumer, key, event) {
      const _id = `${consumer}|${key}`;
      const done = { consumer, state: 'DONE' as const, token: randomUUID(), leaseUntil: new Date(), completedAt: new Date(), ...event };
      // $setOnInsert (the _id comes from the filter): a claim another delivery holds, or completed, stays as it is.
      await model.updateOne({ _id }, { $setOnInsert: done }, { upsert: true }).catch((error: unknown) => {
        if (!isDuplicateKey(error)) throw error; // Two upserts at once: the other one recorded it.
      });
      signals.settled(_id);
    },
  };
}
