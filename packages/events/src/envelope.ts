import { randomUUID } from 'node:crypto';
import type { Domain } from './payloads/common.payloads.js';
import { activeTraceContext, readTraceContext, type EnvelopeTraceContext } from './event-tracing.js';
import { EVENT_TOPICS, domainOf, isTopic, type Topic, type TopicPayload, type TopicVersion } from './topics.js';

/**
 * One domain event as it travels: immutable, JSON-safe, versioned. Delivery is at least once,
 * so consumers key their side effects on `type` + `idempotencyKey` (see `idempotent`).
 */
export interface EventEnvelope<TType extends string = string, TData = unknown> {
  /** A UUID, unique per envelope; transports de-duplicate publishes by it. */
  readonly id: string;
  /** The topic. */
  readonly type: TType;
  /** The payload version the publisher wrote. */
  readonly version: number;
  /** ISO 8601 instant (UTC) at which the fact happened: the state change, not the publish. */
  readonly occurredAt: string;
  /** The publishing domain (the topic's first segment). */
  readonly source: Domain;
  /** The id of the request that started the workflow; copied onto every event that follows from it. */
  readonly correlationId: string;
  /** The id of the envelope that caused this one, when an event handler published it. */
  readonly causationId?: string;
  /**
   * The fact's key: the same fact recorded twice (a retried command, a re-run handler) carries the
   * same key. Unique per topic, so derive it from the state change (`order:<id>:confirmed`).
   */
  readonly idempotencyKey: string;
  /**
   * The W3C trace context of the span in which the event was created, when tracing is on: the
   * publish and every consumer's handling continue that trace. Not part of the fact's identity.
   */
  readonly traceContext?: EnvelopeTraceContext;
  readonly data: TData;
}

/** The envelope of one topic, with its payload type and version. */
export type EnvelopeOf<T extends Topic> = EventEnvelope<T, TopicPayload<T>> & { readonly version: TopicVersion<T> };

/** Any envelope of the map, discriminated on `type`: `switch (envelope.type)` narrows `data`. */
export type AnyEnvelope<T extends Topic = Topic> = { [K in T]: EnvelopeOf<K> }[T];

/** Where an envelope sits in a workflow: a fresh correlation, or the envelope that caused it. */
export type EnvelopeLineage = { readonly correlationId: string; readonly causationId?: string } | { readonly causedBy: EventEnvelope };

export type CreateEnvelopeOptions = EnvelopeLineage & {
  readonly idempotencyKey: string;
  /** When the fact happened; defaults to now. */
  readonly occurredAt?: Date | string;
  /** Defaults to a new UUID. Pass one only to re-create the same envelope (for example from an outbox). */
  readonly id?: string;
};

/**
 * Builds a frozen envelope for `type` at its current version, with `source` from the topic.
 * With `causedBy`, the correlation id is inherited and the cause becomes `causationId`.
 * Throws a RangeError for an empty key or correlation id, or an invalid `occurredAt`.
 */
export function createEnvelope<T extends Topic>(type: T, data: TopicPayload<T>, options: CreateEnvelopeOptions): EnvelopeOf<T> {
  const correlationId = 'causedBy' in options ? options.causedBy.correlationId : options.correlationId;
  const causationId = 'causedBy' in options ? options.causedBy.id : options.causationId;
  if (!correlationId) throw new RangeError(`${type}: correlationId must not be empty`);
  if (!options.idempotencyKey) throw new RangeError(`${type}: idempotencyKey must not be empty`);
  const occurredAt = new Date(options.occurredAt ?? Date.now());
  if (Number.isNaN(occurredAt.getTime())) throw new RangeError(`${type}: occurredAt is not a valid date`);
  const traceContext = activeTraceContext();
  const envelope = {
    id: options.id ?? randomUUID(),
    type,
    version: EVENT_TOPICS[type].version as TopicVersion<T>,
    occurredAt: occurredAt.toISOString(),
    source: domainOf(type),
    correlationId,
    ...(causationId ? { causationId } : {}),
    idempotencyKey: options.idempotencyKey,
    ...(traceContext ? { traceContext } : {}),
    data,
  };
  return Object.freeze(envelope) as EnvelopeOf<T>;
}

/** Thrown by `parseEnvelope` for a message that is not an envelope of a known topic. */
/**
 * The envelope as plain JSON data, as it is stored in a document (an outbox record, a
 * `pendingEvents` array): fields left undefined are dropped, so the stored copy equals what a
 * consumer parses from the wire.
 */
export function storedEnvelope(envelope: EventEnvelope): AnyEnvelope {
  return JSON.parse(JSON.stringify(envelope)) as AnyEnvelope;
}

export class InvalidEnvelopeError extends Error {
  override readonly name = 'InvalidEnvelopeError';
}

/**
 * Checks the envelope fields of a received or stored value and returns it as a typed envelope.
 * The payload is trusted to match its topic's type (publishers are typed); throws
 * InvalidEnvelopeError when a field is missing or the topic is unknown.
 */
export function parseEnvelope(value: unknown): AnyEnvelope {
  if (typeof value !== 'object' || value === null) throw new InvalidEnvelopeError('an envelope must be an object');
  const candidate = value as Record<string, unknown>;
  for (const field of ['id', 'occurredAt', 'source', 'correlationId', 'idempotencyKey'] as const) {
    if (typeof candidate[field] !== 'string' || candidate[field] === '') {
      throw new InvalidEnvelopeError(`envelope field ${field} must be a non-empty string`);
    }
  }
  if (!isTopic(candidate['type'])) throw new InvalidEnvelopeError(`unknown topic ${String(candidate['type'])}`);
  if (!Number.isSafeInteger(candidate['version'])) throw new InvalidEnvelopeError('envelope field version must be an integer');
  if (candidate['causationId'] !== undefined && typeof candidate['causationId'] !== 'string') {
    throw new InvalidEnvelopeError('envelope field causationId must be a string');
  }
  if (!('data' in candidate)) throw new InvalidEnvelopeError('envelope has no data');
  const { traceContext, ...fields } = candidate;
  const trusted = readTraceContext(traceContext);
  return Object.freeze({ ...fields, ...(trusted ? { traceContext: trusted } : {}) }) as unknown as AnyEnvelope;
}
