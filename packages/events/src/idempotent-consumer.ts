import { randomUUID } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import type { EventHandler } from './event-bus.js';
import type { Topic } from './topics.js';

/** The outcome of claiming an event for one consumer. */
export type ClaimResult =
  | { readonly outcome: 'claimed'; readonly token: string }
  /** This consumer already completed the event: skip it. */
  | { readonly outcome: 'done' }
  /** Another delivery holds an unexpired claim on it right now: try again later. */
  | { readonly outcome: 'busy' };

/**
 * Remembers which events each consumer has completed. A claim is a lease: a consumer that died
 * mid-handler leaves a claim that expires after `leaseMs` and is then taken over.
 */
export interface ProcessedEventStore {
  claim(consumer: string, key: string, leaseMs: number): Promise<ClaimResult>;
  /** Marks the claim done for good, remembering which event it was (for traces). */
  complete(consumer: string, key: string, token: string, event?: HandledEvent): Promise<void>;
  /** Gives the claim up (the handler failed) so that the redelivery runs it again. */
  release(consumer: string, key: string, token: string): Promise<void>;
}

/** What a completed claim remembers of its event: traces show which consumer handled what, and when. */
export interface HandledEvent {
  readonly eventId: string;
  readonly type: string;
  readonly correlationId: string;
}

/** Thrown (and so retried by the bus) when a duplicate of the event is being handled elsewhere. */
export class EventInProgressError extends Error {
  override readonly name = 'EventInProgressError';
}

/**
 * Wraps a handler so that a redelivered or re-published event (same topic and idempotency key)
 * runs it to completion at most once per consumer: a completed event is acknowledged and skipped,
 * a failed one is released for the retry. A process that dies mid-handler leaves a claim that
 * another delivery takes over after `leaseMs` (default 60 s; keep it above the slowest handler),
 * so a handler can be re-run after a crash: effects that must be exactly once also need their own
 * guard in the same write (a marker in the updated document, a unique key).
 */
export function idempotent<T extends Topic>(store: ProcessedEventStore, handler: EventHandler<T>, options: { leaseMs?: number } = {}): EventHandler<T> {
  const leaseMs = options.leaseMs ?? 60_000;
  return async (envelope, context) => {
    const key = `${envelope.type}:${envelope.idempotencyKey}`;
    const claim = await store.claim(context.consumer, key, leaseMs);
    if (claim.outcome === 'done') return;
    if (claim.outcome === 'busy') throw new EventInProgressError(`${key} is being handled by another delivery of ${context.consumer}`);
    try {
      await handler(envelope, context);
    } catch (error) {
      await store.release(context.consumer, key, claim.token);
      throw error;
    }
    await store.complete(context.consumer, key, claim.token, { eventId: envelope.id, type: envelope.type, correlationId: envelope.correlationId });
  };
}

/** A processed-event store in this process's memory (the embedded default and tests). */
export function memoryProcessedEvents(): ProcessedEventStore {
  const claims = new Map<string, { done: boolean; token: string; leaseUntil: number }>();
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
      const claim = claims.get(`${consumer}|${key}`);
      if (claim?.token === token) claim.done = true;
    },
    async release(consumer, key, token) {
      if (claims.get(`${consumer}|${key}`)?.token === token) claims.delete(`${consumer}|${key}`);
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

/** A processed-event store in MongoDB: one document per (consumer, event), claimed with single-document atomic writes. */
export function mongoProcessedEvents(model: Model<ProcessedEventRecord>): ProcessedEventStore {
  return {
    async claim(consumer, key, leaseMs) {
      const _id = `${consumer}|${key}`;
      const token = randomUUID();
      const leaseUntil = new Date(Date.now() + leaseMs);
      try {
        await model.create({ _id, consumer, state: 'RUNNING', token, leaseUntil });
        return { outcome: 'claimed', token };
      } catch (error) {
        if ((error as { code?: unknown }).code !== 11000) {
          // The insert may have been applied although its answer was lost: a claim left behind
          // would make every redelivery "busy" for the whole lease. Remove ours, if it exists.
          await model.deleteOne({ _id, token }).catch(() => undefined);
          throw error;
        }
      }
      const takenOver = await model.updateOne({ _id, state: 'RUNNING', leaseUntil: { $lt: new Date() } }, { $set: { token, leaseUntil } });
      if (takenOver.modifiedCount === 1) return { outcome: 'claimed', token };
      const existing = await model.findById(_id, { state: 1 }).lean();
      return existing?.state === 'DONE' ? { outcome: 'done' } : { outcome: 'busy' };
    },
    async complete(consumer, key, token, event) {
      await model.updateOne({ _id: `${consumer}|${key}`, token }, { $set: { state: 'DONE', completedAt: new Date(), ...event } });
    },
    async release(consumer, key, token) {
      await model.deleteOne({ _id: `${consumer}|${key}`, token, state: 'RUNNING' });
    },
  };
}
