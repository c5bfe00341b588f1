import { Schema, type Connection, type Model } from 'mongoose';
import type { EventEnvelope } from './envelope.js';
import type { ProcessedEventRecord } from './idempotent-consumer.js';
import { DOMAINS, type Domain } from './payloads/common.payloads.js';

/**
 * A service's memory of the events it published, for traces (`Query.trace`): the outbox relay
 * records one entry per envelope once the bus accepted it. A read model, not state: entries expire
 * after the relay's `eventLogRetentionMs` (a TTL index on `expiresAt`; each entry carries its own
 * expiry, so changing the retention never conflicts with an existing index).
 */
export interface PublishedEventRecord {
  /** The envelope id. */
  _id: string;
  type: string;
  source: string;
  correlationId: string;
  causationId?: string;
  idempotencyKey: string;
  occurredAt: Date;
  publishedAt: Date;
  expiresAt: Date;
}

const eventLogSchema = new Schema<PublishedEventRecord>(
  {
    _id: { type: String, required: true },
    type: { type: String, required: true },
    source: { type: String, required: true },
    correlationId: { type: String, required: true },
    causationId: { type: String },
    idempotencyKey: { type: String, required: true },
    occurredAt: { type: Date, required: true },
    publishedAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'event_log' },
);
eventLogSchema.index({ correlationId: 1, occurredAt: 1 });
eventLogSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export type EventLogModel = Model<PublishedEventRecord>;

/** Default retention of the published-event log: 30 days. */
export const DEFAULT_EVENT_LOG_RETENTION_MS = 30 * 24 * 3600 * 1000;

/** The service's `event_log` collection, in its own database. */
export function createEventLogModel(connection: Connection): EventLogModel {
  return (connection.models['EventLog'] as EventLogModel | undefined) ?? connection.model<PublishedEventRecord>('EventLog', eventLogSchema);
}

/** Records that `envelope` was published; recording the same envelope again changes nothing. */
export async function recordPublished(model: EventLogModel, envelope: EventEnvelope, retentionMs: number, publishedAt = new Date()): Promise<void> {
  await recordPublishedMany(model, [envelope], retentionMs, publishedAt);
}

/** Records a batch of published envelopes in one database command; entries already there keep their first publishedAt. */
export async function recordPublishedMany(
  model: EventLogModel,
  envelopes: readonly EventEnvelope[],
  retentionMs: number,
  publishedAt = new Date(),
): Promise<void> {
  if (envelopes.length === 0) return;
  const expiresAt = new Date(publishedAt.getTime() + retentionMs);
  // $setOnInsert: the first record wins; a re-publish after a crash keeps the first publishedAt.
  await model.bulkWrite(
    envelopes.map((envelope) => {
      const entry: PublishedEventRecord = {
        _id: envelope.id,
        type: envelope.type,
        source: envelope.source,
        correlationId: envelope.correlationId,
        ...(envelope.causationId ? { causationId: envelope.causationId } : {}),
        idempotencyKey: envelope.idempotencyKey,
        occurredAt: new Date(envelope.occurredAt),
        publishedAt,
        expiresAt,
      };
      return { updateOne: { filter: { _id: entry._id }, update: { $setOnInsert: entry }, upsert: true } };
    }),
    { ordered: false },
  );
}

/** One event a consumer of this service completed (from the processed-events store). */
export interface HandledEventRecord {
  readonly consumer: string;
  readonly eventId: string;
  readonly type: string;
  readonly correlationId: string;
  readonly handledAt: Date;
}

/** What one service remembers of a correlation id: the events it published and the events its consumers handled, each oldest first. */
export interface EventTrail {
  readonly published: PublishedEventRecord[];
  readonly handled: HandledEventRecord[];
}

/**
 * Reads a service's trail of `correlationId`: its published-event log and, when it consumes
 * events, its processed-events store. At most `limit` entries of each (default 500).
 */
export async function readEventTrail(
  stores: { readonly eventLog?: EventLogModel; readonly processedEvents?: Model<ProcessedEventRecord> },
  correlationId: string,
  limit = 500,
): Promise<EventTrail> {
  const [published, processed] = await Promise.all([
    stores.eventLog ? stores.eventLog.find({ correlationId }).sort({ occurredAt: 1, _id: 1 }).limit(limit).lean<PublishedEventRecord[]>() : [],
    stores.processedEvents
      ? stores.processedEvents.find({ correlationId, state: 'DONE' }).sort({ completedAt: 1, _id: 1 }).limit(limit).lean<ProcessedEventRecord[]>()
      : [],
  ]);
  const handled = processed.flatMap((record): HandledEventRecord[] =>
    record.eventId && record.type && record.correlationId && record.completedAt
      ? [{ consumer: record.consumer, eventId: record.eventId, type: record.type, correlationId: record.correlationId, handledAt: record.completedAt }]
      : [],
  );
  return { published, handled };
}

/**
 * The domain a consumer belongs to, from the naming rule every consumer follows:
 * `<consuming domain>-<what it consumes>` (`inventory-order-events`, `ledger-orders`). Null for a
 * name that does not start with a known domain.
 */
export function consumerDomain(consumer: string): Domain | null {
  const prefix = consumer.split('-', 1)[0];
  return (DOMAINS as readonly string[]).includes(prefix ?? '') ? (prefix as Domain) : null;
}

/** One step of a trail as traces show it; the subgraph adds its domain. */
export interface TrailStep {
  readonly at: Date;
  readonly kind: string;
  readonly summary: string;
  /** The envelope id. */
  readonly reference: string;
}

/** A trail as trace steps: "event published <type>" at its publish time, "event handled <type>" when a consumer completed it. */
export function trailSteps(trail: EventTrail): TrailStep[] {
  return [
    ...trail.published.map((entry) => ({
      at: entry.publishedAt,
      kind: `event published ${entry.type}`,
      summary: `${entry.source} published ${entry.type} (key ${entry.idempotencyKey}${entry.causationId ? `, caused by ${entry.causationId}` : ''})`,
      reference: entry._id,
    })),
    ...trail.handled.map((entry) => ({
      at: entry.handledAt,
      kind: `event handled ${entry.type}`,
      summary: `${entry.consumer} handled ${entry.type}`,
      reference: entry.eventId,
    })),
  ];
}
