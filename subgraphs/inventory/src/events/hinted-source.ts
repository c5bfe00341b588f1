import type { PendingEventsSource } from '@mesh/events';
import type { EventHintModel } from '../models/event-hint.model.js';

/** A collection whose documents carry their own pending events, as the hinted source reads it. */
export interface HintedCollection {
  readonly collectionName: string;
  /** The pending events of these documents, in order; documents with none are left out. */
  pendingOf(documentIds: readonly unknown[]): Promise<{ documentId: unknown; pendingEvents: readonly unknown[] }[]>;
  /** Ids of up to `limit` documents with pending events, found by scanning (the slow path). */
  scan(limit: number): Promise<unknown[]>;
  pull(documentId: unknown, eventIds: readonly string[]): Promise<void>;
}

/**
 * A relay source that finds documents with pending events through their hints (a small
 * collection) instead of scanning a large one on every pass. Every `rescanMs` it also scans, for
 * the events of a writer that died between its change and its hint.
 */
export function hintedSource(hints: EventHintModel, collection: HintedCollection, options: { rescanMs: number }): PendingEventsSource {
  let lastScan = 0;
  return {
    collectionName: collection.collectionName,
    async withPendingEvents(limit) {
      const hinted = await hints.find({ collectionName: collection.collectionName }).limit(limit).lean();
      const ids = hinted.map((hint) => hint.documentId);
      if (Date.now() - lastScan >= options.rescanMs) {
        lastScan = Date.now();
        const known = new Set(ids.map(String));
        for (const id of await collection.scan(limit)) if (!known.has(String(id))) ids.push(id);
      }
      if (ids.length === 0) return [];
      const pending = await collection.pendingOf(ids);
      const busy = new Set(pending.map((entry) => String(entry.documentId)));
      // Guarded by n: a writer that hinted after we looked keeps its hint.
      await Promise.all(hinted.filter((hint) => !busy.has(String(hint.documentId))).map((hint) => hints.deleteOne({ _id: hint._id, n: hint.n })));
      return pending;
    },
    pull: (documentId, eventIds) => collection.pull(documentId, eventIds),
  };
}
