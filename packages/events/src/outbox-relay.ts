import { parseEnvelope, type AnyEnvelope, type EnvelopeOf } from './envelope.js';
import { silentLogger, type EventBus, type EventLogger } from './event-bus.js';
import { createEventLogModel, DEFAULT_EVENT_LOG_RETENTION_MS, recordPublished, type EventLogModel } from './event-log.js';
import type { OutboxModel, PendingEventsSource } from './outbox.js';
import type { Topic } from './topics.js';

export interface OutboxRelayOptions {
  /** The service's outbox (`createOutboxModel`). */
  readonly model: OutboxModel;
  readonly bus: EventBus;
  /** Pause between passes. Default 1000 ms; `poke()` starts one at once. */
  readonly intervalMs?: number;
  /** Collections whose documents carry `pendingEvents` (way 1, `pendingEventsSource(model)`); swept before the outbox on each pass. */
  readonly sources?: readonly PendingEventsSource[];
  /**
   * Decides a HELD entry older than `holdTimeoutMs` (its writer died between holding the event and
   * releasing it): 'publish' if the state change happened, 'discard' if it did not, 'wait' to ask
   * again next pass. Without it such entries stay held and are logged once.
   */
  readonly resolveHeld?: (envelope: AnyEnvelope) => Promise<'publish' | 'discard' | 'wait'>;
  /** Default 30000 ms: well above the time between a service's hold and its release. */
  readonly holdTimeoutMs?: number;
  /**
   * Where published events are remembered for traces (`readEventTrail`). Default: the `event_log`
   * collection of the outbox's database; `false` keeps no log.
   */
  readonly eventLog?: EventLogModel | false;
  /** How long the event log keeps an entry. Default 30 days. */
  readonly eventLogRetentionMs?: number;
  /** Documents read per query. Default 100. */
  readonly batchSize?: number;
  /** Documents of a source whose events are published at once (each document's in order). Default 16. */
  readonly documentConcurrency?: number;
  readonly logger?: EventLogger;
}

export interface OutboxRelay {
  /** Runs one pass now (after the running one) and resolves with the number of events published. */
  runOnce(): Promise<number>;
  /** Asks for a pass as soon as possible, for example right after a write. */
  poke(): void;
  /** Stops the timer and waits for the running pass. */
  stop(): Promise<void>;
}

/**
 * Publishes recorded events until they are accepted by the bus, oldest first within a document
 * (and within the outbox): a failed publish stops the pass (documents already publishing finish
 * theirs), so a document's later events never overtake it, and is retried on the next pass. Everything
 * it knows is in the database, so a relay that restarts (or a second replica) carries on where the
 * last one stopped; an event published but not yet marked sent is published again and dropped by
 * the bus's de-duplication. Order holds per document for embedded events and by `occurredAt`
 * within the outbox.
 */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { model, bus } = options;
  const logger = options.logger ?? silentLogger;
  const intervalMs = options.intervalMs ?? 1000;
  const batchSize = options.batchSize ?? 100;
  const documentConcurrency = Math.max(1, options.documentConcurrency ?? 16);
  const holdTimeoutMs = options.holdTimeoutMs ?? 30_000;
  const eventLog = options.eventLog === false ? null : (options.eventLog ?? createEventLogModel(model.db));
  const retentionMs = options.eventLogRetentionMs ?? DEFAULT_EVENT_LOG_RETENTION_MS;
  if (!(retentionMs > 0)) throw new RangeError('eventLogRetentionMs must be positive');
  const reportedHeld = new Set<string>();
  let running: Promise<number> = Promise.resolve(0);
  let queued: Promise<number> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  async function publish(value: unknown): Promise<string> {
    const envelope = parseEnvelope(value) as EnvelopeOf<Topic>;
    await bus.publish(envelope);
    // Recorded before the event counts as sent: if this write fails, the next pass publishes again
    // (the bus drops the duplicate) and records it then.
    if (eventLog) await recordPublished(eventLog, envelope, retentionMs);
    return envelope.id;
  }

  /** Publishes one document's events in order; answers how many went out and whether all did. */
  async function publishDocument(source: PendingEventsSource, documentId: unknown, pendingEvents: readonly unknown[]): Promise<{ sent: number; complete: boolean }> {
    const sent: string[] = [];
    try {
      for (const envelope of pendingEvents) {
        sent.push(await publish(envelope));
      }
    } catch (error) {
      logger.warn({ collection: source.collectionName, documentId: String(documentId), err: error }, 'outbox relay: publish failed; will retry');
    }
    if (sent.length > 0) await source.pull(documentId, sent);
    return { sent: sent.length, complete: sent.length === pendingEvents.length };
  }

  // Documents are independent (order matters within one, and consumers keep it per key), so up to
  // `documentConcurrency` of them publish at once: one at a time, each event's publish, log
  // write and pull round trips added up to a few dozen events a second under load.
  async function sweep(source: PendingEventsSource): Promise<number> {
    const documents = await source.withPendingEvents(batchSize);
    let published = 0;
    let failed = false;
    let next = 0;
    const worker = async () => {
      while (!failed && next < documents.length) {
        const { documentId, pendingEvents } = documents[next++]!;
        const outcome = await publishDocument(source, documentId, pendingEvents);
        published += outcome.sent;
        // The bus is failing: stop starting documents; the next pass retries them.
        if (!outcome.complete) failed = true;
      }
    };
    await Promise.all(Array.from({ length: Math.min(documentConcurrency, documents.length) }, worker));
    return published;
  }

  async function resolveStaleHolds(): Promise<void> {
    const stale = await model.find({ status: 'HELD', recordedAt: { $lt: new Date(Date.now() - holdTimeoutMs) } }).sort({ occurredAt: 1, _id: 1 }).limit(batchSize).lean();
    for (const entry of stale) {
      if (!options.resolveHeld) {
        if (!reportedHeld.has(entry._id)) logger.warn({ eventId: entry._id, key: entry.key }, 'outbox relay: an event is held past its timeout and no resolveHeld was given');
        reportedHeld.add(entry._id);
        continue;
      }
      const decision = await options.resolveHeld(parseEnvelope(entry.envelope));
      if (decision === 'publish') await model.updateOne({ _id: entry._id, status: 'HELD' }, { $set: { status: 'PENDING' } });
      if (decision === 'discard') await model.deleteOne({ _id: entry._id, status: 'HELD' });
    }
  }

  async function drainOutbox(): Promise<number> {
    let published = 0;
    for (;;) {
      const entries = await model.find({ status: 'PENDING' }).sort({ occurredAt: 1, _id: 1 }).limit(batchSize).lean();
      for (const entry of entries) {
        try {
          await publish(entry.envelope);
        } catch (error) {
          await model.updateOne({ _id: entry._id }, { $inc: { attempts: 1 }, $set: { lastError: String(error) } });
          logger.warn({ eventId: entry._id, err: error }, 'outbox relay: publish failed; will retry');
          return published;
        }
        await model.updateOne({ _id: entry._id, status: 'PENDING' }, { $set: { status: 'SENT', sentAt: new Date() } });
        published += 1;
      }
      if (entries.length < batchSize) return published;
    }
  }

  async function pass(): Promise<number> {
    let published = 0;
    for (const source of options.sources ?? []) published += await sweep(source);
    await resolveStaleHolds();
    return published + (await drainOutbox());
  }

  function runOnce(): Promise<number> {
    // Coalesce: while a pass waits for the running one, later requests share it.
    if (queued) return queued;
    const next = running.then(() => {
      queued = null;
      return pass();
    });
    queued = next;
    running = next.catch((error: unknown) => {
      logger.error({ err: error }, 'outbox relay pass failed');
      return 0;
    });
    return next;
  }

  /** A pass now (shared with a `runOnce` made in the same tick), then one every `intervalMs`. */
  function passThenWait(): void {
    if (stopped) return;
    void runOnce()
      .catch(() => 0)
      .finally(() => {
        if (stopped) return;
        timer = setTimeout(passThenWait, intervalMs);
        timer.unref(); // The relay alone never keeps a process alive.
      });
  }

  passThenWait();
  return {
    runOnce,
    poke: () => void runOnce().catch(() => 0),
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}
