import { isDuplicateKey } from './duplicate-key.js';
import { Schema, type Connection, type Model } from 'mongoose';
import { type AnyEnvelope, type EnvelopeOf, storedEnvelope } from './envelope.js';
import type { Topic } from './topics.js';

/**
 * No state change without its event, even if the process dies between its database write and the
 * publish, on a MongoDB without transactions. The event is recorded by the same write as the
 * change (or before it, recoverably), and `startOutboxRelay` publishes it later. Two ways:
 *
 * 1. **Embedded (preferred):** the changed document carries a `pendingEvents` array (add it with
 *    `pendingEventsPlugin`) and the single-document update that changes the state also pushes the
 *    event (`withPendingEvents(update, envelope)`). One document, one write: both or neither. Give
 *    the relay `sources: [pendingEventsSource(model)]`; it publishes the events in array order and
 *    pulls each one it published.
 *
 * 2. **Outbox first:** when the event cannot ride in the changed document, insert it into the
 *    service's `outbox` collection as HELD with a unique `key` derived from the state change's
 *    idempotency key (`holdEvent`), then make the change, then `releaseEvent`. A retried command
 *    finds its held event by key and finishes. A process that died between the two writes leaves a
 *    HELD entry: after `holdTimeoutMs` the relay asks the service's `resolveHeld` whether the change
 *    happened, and publishes or discards it.
 *
 * Either way an event can be published twice (the relay died after publishing but before marking
 * it sent); the bus drops the second publish by envelope id, and consumers are idempotent anyway.
 */

export type OutboxStatus = 'HELD' | 'PENDING' | 'SENT';

export interface OutboxRecord {
  /** The envelope id. */
  _id: string;
  /** Unique per state change: derived from its idempotency key. */
  key: string;
  status: OutboxStatus;
  envelope: AnyEnvelope;
  /** The envelope's occurredAt, as a date: the relay publishes in this order. */
  occurredAt: Date;
  recordedAt: Date;
  sentAt?: Date;
  /** Failed publish attempts, with the last error. */
  attempts: number;
  lastError?: string;
}

const outboxSchema = new Schema<OutboxRecord>(
  {
    _id: { type: String, required: true },
    key: { type: String, required: true },
    status: { type: String, required: true, enum: ['HELD', 'PENDING', 'SENT'] },
    envelope: { type: Schema.Types.Mixed, required: true },
    occurredAt: { type: Date, required: true },
    recordedAt: { type: Date, required: true },
    sentAt: { type: Date },
    attempts: { type: Number, required: true, default: 0 },
    lastError: { type: String },
  },
  { versionKey: false, minimize: false, collection: 'outbox' },
);
outboxSchema.index({ key: 1 }, { unique: true });
outboxSchema.index({ status: 1, occurredAt: 1, _id: 1 });

export type OutboxModel = Model<OutboxRecord>;

/** The service's `outbox` collection, in its own database. Build its indexes before use (`model.init()`). */
export function createOutboxModel(connection: Connection): OutboxModel {
  return (connection.models['Outbox'] as OutboxModel | undefined) ?? connection.model<OutboxRecord>('Outbox', outboxSchema);
}

/** A document that carries its own not-yet-published events (way 1). */
export interface WithPendingEvents {
  pendingEvents: AnyEnvelope[];
}

/**
 * Adds `pendingEvents` to a service's schema, with the sparse index the relay's sweep uses:
 * `schema.plugin(pendingEventsPlugin)`.
 */
export function pendingEventsPlugin(schema: Schema): void {
  schema.add({ pendingEvents: { type: [Schema.Types.Mixed], default: undefined } });
  schema.index({ 'pendingEvents.id': 1 }, { sparse: true });
}

/**
 * Adds the events to a single-document update, so that they are stored by the very write that
 * changes the state (way 1). The update's other operators are kept, `$push` to other paths too.
 */
export function withPendingEvents<TUpdate extends object>(
  update: TUpdate,
  ...envelopes: readonly EnvelopeOf<Topic>[]
): TUpdate & { $push: { pendingEvents: { $each: AnyEnvelope[] } } } {
  const plain = envelopes.map((envelope) => storedEnvelope(envelope));
  const { $push } = update as { $push?: object };
  return { ...update, $push: { ...$push, pendingEvents: { $each: plain } } };
}

/** A document with events still to publish, in the order they were recorded. */
export interface PendingDocument {
  readonly documentId: unknown;
  readonly pendingEvents: readonly unknown[];
}

/**
 * What to tell `announceEvents` of documents a write returned or inserted whole: each id with its
 * pending list. Undefined when one lacks the list (the relay then reads the collection instead).
 */
export function writtenDocuments(
  ...documents: readonly { readonly _id: unknown; readonly pendingEvents?: readonly unknown[] | null }[]
): PendingDocument[] | undefined {
  if (documents.some((document) => !Array.isArray(document.pendingEvents))) return undefined;
  return documents.map((document) => ({ documentId: document._id, pendingEvents: document.pendingEvents! }));
}

/** Events the bus accepted, per document: the relay hands a whole batch back at once. */
export interface PublishedEvents {
  readonly documentId: unknown;
  readonly eventIds: readonly string[];
}

/**
 * What the relay needs from a collection whose documents carry their own events. Both reads and
 * writes touch only the working set: documents with events to publish, found through a sparse
 * index on the events' ids (on MongoDB and on the embedded server alike), never the collection.
 */
export interface PendingEventsSource {
  readonly collectionName: string;
  /** Up to `limit` documents that have pending events, with those events in the order they were pushed. */
  withPendingEvents(limit: number): Promise<PendingDocument[]>;
  /** Removes the published events from their documents, the whole batch in one database command. */
  markPublished(published: readonly PublishedEvents[]): Promise<void>;
}

/** A relay source over a model whose schema uses `pendingEventsPlugin`. */
export function pendingEventsSource<TDocument extends WithPendingEvents>(model: Model<TDocument>): PendingEventsSource {
  // Only `_id` and `pendingEvents` are touched, which every such document has.
  const documents = model as unknown as Model<WithPendingEvents & { _id: unknown }>;
  return {
    collectionName: model.collection.name,
    async withPendingEvents(limit) {
      const found = await documents
        .find({ 'pendingEvents.id': { $exists: true } }, { pendingEvents: 1 })
        .limit(limit)
        .lean();
      return found.map((document) => ({ documentId: document._id, pendingEvents: document.pendingEvents ?? [] }));
    },
    async markPublished(published) {
      if (published.length === 0) return;
      await documents.bulkWrite(
        published.map(({ documentId, eventIds }) => ({
          updateOne: { filter: { _id: documentId }, update: { $pull: { pendingEvents: { id: { $in: [...eventIds] } } } } },
        })),
        { ordered: false },
      );
    },
  };
}

function outboxEntry(envelope: AnyEnvelope, key: string, status: OutboxStatus): OutboxRecord {
  const plain = storedEnvelope(envelope);
  return { _id: envelope.id, key, status, envelope: plain, occurredAt: new Date(envelope.occurredAt), recordedAt: new Date(), attempts: 0 };
}

/**
 * Way 2, step 1: records the event as HELD before the state change. `key` must be unique to the
 * state change (default: the envelope's idempotency key). A retry with the same key gets the
 * envelope recorded first, so the retried change and its event keep one identity.
 */
export async function holdEvent<T extends Topic>(model: OutboxModel, envelope: EnvelopeOf<T>, key: string = envelope.idempotencyKey): Promise<AnyEnvelope> {
  try {
    await model.create(outboxEntry(envelope as AnyEnvelope, key, 'HELD'));
    return envelope as AnyEnvelope;
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    const existing = await model.findOne({ key }).lean();
    if (!existing) throw error;
    return existing.envelope;
  }
}

/** Way 2, step 3: the state change is durable; the held event may now be published. */
export async function releaseEvent(model: OutboxModel, key: string): Promise<void> {
  await model.updateOne({ key, status: 'HELD' }, { $set: { status: 'PENDING' } });
}

/** Way 2, instead of step 3: the state change was refused; the held event must never be published. */
export async function discardEvent(model: OutboxModel, key: string): Promise<void> {
  await model.deleteOne({ key, status: 'HELD' });
}
