import { parseEnvelope, type EnvelopeOf } from './envelope.js';
import { silentLogger } from './event-bus.js';
import { createEventLogModel, DEFAULT_EVENT_LOG_RETENTION_MS, recordPublishedMany } from './event-log.js';
import type { PendingDocument, PendingEventsSource, PublishedEvents } from './outbox.js';
import { onEventsAnnounced } from './outbox-signal.js';
import type { Topic } from './topics.js';
import type { OutboxRelay, OutboxRelayOptions } from './outbox-relay-options.js';

export type { OutboxRelay, OutboxRelayOptions } from './outbox-relay-options.js';

/**
 * Publishes recorded events until they are accepted by the bus, oldest first within a document
 * (and within the outbox): a failed publish stops the pass (documents already publishing finish
 * theirs), so a document's later events never overtake it, and is retried on the next pass. Everything
 * it knows is in the database, so a relay that restarts (or a second replica) carries on where the
 * last one stopped; an event published but not yet marked sent is published again and dropped by
 * the bus's de-duplication. Order holds per document for embedded events and by `occurredAt`
 * within the outbox.
 *
 * Replicas: every replica of a service runs this relay over the same collections, so two relays
 * may read and publish the same pending events at once. That costs a duplicate publish and no
 * duplicate effect: the bus drops a second publish of an envelope id (JetStream `Nats-Msg-Id`
 * within the streams' duplicate window, 10 minutes by default, against milliseconds between two
 * relays reading one document); each relay publishes a document's events in order from its first
 * unpublished one, so whichever copy arrives first the stream holds them in order; marking is
 * idempotent (`$pull` by event id, PENDING -> SENT guarded, the event log's `$setOnInsert` upsert
 * on `_id`, which MongoDB retries itself on a concurrent insert); and consumers are idempotent by
 * event key regardless. Each replica's relay is woken by its own writes, so races are rare: no
 * lease is needed, and a relay never waits for another replica's.
 */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { model, bus } = options;
  const logger = options.logger ?? silentLogger;
  const intervalMs = options.intervalMs ?? 1000;
  const batchSize = options.batchSize ?? 100;
  const idleIntervalMs = Math.max(intervalMs, options.idleIntervalMs ?? intervalMs);
  let pause = intervalMs;
  const holdTimeoutMs = options.holdTimeoutMs ?? 30_000;
  const eventLog = options.eventLog === false ? null : (options.eventLog ?? createEventLogModel(model.db));
  const retentionMs = options.eventLogRetentionMs ?? DEFAULT_EVENT_LOG_RETENTION_MS;
  if (!(retentionMs > 0)) throw new RangeError('eventLogRetentionMs must be positive');
  const reportedHeld = new Set<string>();
  let lastHoldCheck = 0;
  let running: Promise<number> = Promise.resolve(0);
  let queued: Promise<number> | null = null;
  /** What the queued pass covers: every source and the outbox, or only the sources named. */
  let queuedScope: 'all' | Set<string> = 'all';
  /** Whether the queued pass must look for stale holds however recently one looked (an explicit runOnce asks). */
  let queuedHoldCheck = false;
  /** Documents the queued pass publishes as announced (`written`), unread: per collection, each one's latest snapshot. */
  let queuedWritten = new Map<string, Map<string, PendingDocument>>();
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  async function publish(value: unknown): Promise<string> {
    const envelope = parseEnvelope(value) as EnvelopeOf<Topic>;
    await bus.publish(envelope);
    // Recorded before the event counts as sent: if this write fails, the next pass publishes again
    // (the bus drops the duplicate) and records it then.
    if (eventLog) await recordPublishedMany(eventLog, [envelope], retentionMs);
    return envelope.id;
  }

  /**
   * One batch of a source: every event of every document is handed to the bus at once (publishes
   * leave in call order, so each document's events keep theirs) and the acks are awaited together,
   * then the event log and the source are each written once for the whole batch. A document whose
   * publish failed keeps that event and every later one for the next pass.
   */
  async function publishBatch(source: PendingEventsSource): Promise<{ published: number; full: boolean; failed: boolean }> {
    const documents = await source.withPendingEvents(batchSize);
    return { ...(await publishDocuments(source, documents)), full: documents.length >= batchSize };
  }

  /** Publishes the documents' events and marks them, as publishBatch does for the documents it read. */
  async function publishDocuments(source: PendingEventsSource, documents: readonly PendingDocument[]): Promise<{ published: number; failed: boolean }> {
    const attempts = documents.map((document) =>
      document.pendingEvents.map((value) => {
        const envelope = parseEnvelope(value) as EnvelopeOf<Topic>;
        return bus.publish(envelope).then(() => envelope);
      }),
    );
    const published: PublishedEvents[] = [];
    const envelopes: EnvelopeOf<Topic>[] = [];
    let failed = false;
    for (const [index, document] of documents.entries()) {
      const settled = await Promise.allSettled(attempts[index]!);
      const firstFailure = settled.findIndex((outcome) => outcome.status === 'rejected');
      const sent = (firstFailure === -1 ? settled : settled.slice(0, firstFailure)).map(
        (outcome) => (outcome as PromiseFulfilledResult<EnvelopeOf<Topic>>).value,
      );
      if (firstFailure !== -1) {
        failed = true;
        logger.warn(
          { collection: source.collectionName, documentId: String(document.documentId), err: (settled[firstFailure] as PromiseRejectedResult).reason },
          'outbox relay: publish failed; will retry',
        );
      }
      envelopes.push(...sent);
      if (sent.length > 0) published.push({ documentId: document.documentId, eventIds: sent.map((envelope) => envelope.id) });
    }
    if (eventLog) await recordPublishedMany(eventLog, envelopes, retentionMs);
    await source.markPublished(published);
    return { published: envelopes.length, failed };
  }

  /**
   * Publishes what writers announced they wrote, without reading the source: each snapshot is the
   * document's whole pending list as its write left it (earlier unpublished events first). Events
   * another pass already sent go out again and the bus drops them; a failure is left to the timed passes.
   */
  async function publishWritten(source: PendingEventsSource, documents: readonly PendingDocument[]): Promise<number> {
    let published = 0;
    for (let start = 0; start < documents.length; start += batchSize) {
      const batch = await publishDocuments(source, documents.slice(start, start + batchSize));
      published += batch.published;
      if (batch.failed || stopped) break;
    }
    return published;
  }

  async function sweep(source: PendingEventsSource): Promise<number> {
    let published = 0;
    for (;;) {
      const batch = await publishBatch(source);
      published += batch.published;
      if (!batch.full || batch.failed || stopped) return published;
    }
  }

  async function resolveStaleHolds(): Promise<void> {
    const stale = await model
      .find({ status: 'HELD', recordedAt: { $lt: new Date(Date.now() - holdTimeoutMs) } })
      .sort({ occurredAt: 1, _id: 1 })
      .limit(batchSize)
      .lean();
    for (const entry of stale) {
      if (!options.resolveHeld) {
        if (!reportedHeld.has(entry._id))
          logger.warn({ eventId: entry._id, key: entry.key }, 'outbox relay: an event is held past its timeout and no resolveHeld was given');
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

  /** Sweeps the sources in scope; a full pass also settles stale holds and drains the outbox collection. */
  async function pass(
    scope: 'all' | ReadonlySet<string>,
    checkHolds: boolean,
    written: ReadonlyMap<string, ReadonlyMap<string, PendingDocument>>,
  ): Promise<number> {
    let published = 0;
    for (const source of options.sources ?? []) {
      // A sweep reads everything pending, the announced documents included.
      if (scope === 'all' || scope.has(source.collectionName)) published += await sweep(source);
      else if (written.has(source.collectionName)) published += await publishWritten(source, [...written.get(source.collectionName)!.values()]);
    }
    if (scope !== 'all') return published;
    // A hold only goes stale after holdTimeoutMs, so timed passes look for one at most twice per timeout.
    if (checkHolds || Date.now() - lastHoldCheck >= holdTimeoutMs / 2) {
      lastHoldCheck = Date.now();
      await resolveStaleHolds();
    }
    return published + (await drainOutbox());
  }

  /**
   * A pass after the running one. Coalesced: while a pass waits for the running one, later
   * requests share it and widen its scope. A write announced in one collection costs a sweep of
   * that source only, not a read of every source and of the outbox (which the timed passes cover),
   * and a write announced with what it wrote (`written`) costs no read at all.
   */
  function runOnce(scope: 'all' | string = 'all', checkHolds = false, written?: readonly PendingDocument[]): Promise<number> {
    queuedHoldCheck ||= checkHolds;
    const widen = () => {
      if (scope === 'all') queuedScope = 'all';
      else if (queuedScope === 'all' || queuedScope.has(scope))
        return; // swept anyway
      else if (written) remember(scope, written);
      else queuedScope.add(scope);
    };
    if (queued) {
      widen();
      return queued;
    }
    queuedScope = scope === 'all' ? 'all' : new Set();
    queuedWritten = new Map();
    widen();
    const next = running.then(() => {
      queued = null;
      const holds = queuedHoldCheck;
      queuedHoldCheck = false;
      return pass(queuedScope, holds, queuedWritten);
    });
    queued = next;
    running = next.catch((error: unknown) => {
      logger.error({ err: error }, 'outbox relay pass failed');
      return 0;
    });
    return next;
  }

  /** Keeps the latest snapshot of each announced document for the queued pass (a later write's list supersedes an earlier one's). */
  function remember(collection: string, documents: readonly PendingDocument[]): void {
    let known = queuedWritten.get(collection);
    if (!known) queuedWritten.set(collection, (known = new Map()));
    for (const document of documents) known.set(String(document.documentId), document);
  }

  /** A pass now (shared with a `runOnce` made in the same tick), then one every `intervalMs`. */
  function passThenWait(): void {
    if (stopped) return;
    void runOnce()
      .catch(() => 0)
      .then((published) => {
        pause = published > 0 ? intervalMs : Math.min(idleIntervalMs, pause * 2);
      })
      .finally(() => {
        if (stopped) return;
        timer = setTimeout(passThenWait, pause);
        timer.unref(); // The relay alone never keeps a process alive.
      });
  }

  passThenWait();
  const sweepSources = (collection?: string) => {
    const names = collection === undefined ? (options.sources ?? []).map((source) => source.collectionName) : [collection];
    for (const name of names) void runOnce(name).catch(() => 0);
  };
  const poke = () => sweepSources();
  const stopListening = onEventsAnnounced(model.db, (collection, written) => {
    if (!(options.sources ?? []).some((source) => source.collectionName === collection))
      void runOnce().catch(() => 0); // the outbox collection, or a collection this relay does not sweep: a full pass
    else if (written) void runOnce(collection, false, written).catch(() => 0);
    else sweepSources(collection);
  });
  return {
    runOnce: () => runOnce('all', true),
    poke,
    async stop() {
      stopListening();
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}
