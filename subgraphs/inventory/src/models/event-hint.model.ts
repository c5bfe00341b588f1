import { Schema, type Connection, type Model } from 'mongoose';

/**
 * "This document has events to publish": written after the change that recorded them, so the
 * relay finds them without scanning a large collection. Only a hint: the events themselves live
 * in the changed document, and a periodic scan finds those whose hint a crash lost.
 */
export interface EventHintRecord {
  /** `<collection>|<document id>` */
  _id: string;
  collectionName: string;
  documentId: unknown;
  /** Bumped by every writer, so the relay deletes a hint only if nobody wrote since it looked. */
  n: number;
}

const eventHintSchema = new Schema<EventHintRecord>(
  {
    _id: { type: String, required: true },
    collectionName: { type: String, required: true },
    documentId: { type: Schema.Types.Mixed, required: true },
    n: { type: Number, required: true },
  },
  { versionKey: false, collection: 'event_hints' },
);

export type EventHintModel = Model<EventHintRecord>;

export function registerEventHintModel(connection: Connection): EventHintModel {
  return (connection.models['EventHint'] as EventHintModel | undefined) ?? connection.model<EventHintRecord>('EventHint', eventHintSchema);
}

const hintListeners = new WeakMap<EventHintModel, Set<() => void>>();

/**
 * Calls `listener` (the relay's poke) after every hint this process writes, so a change's events
 * go out at once rather than at the relay's next pass. In-process only: the pass still finds hints
 * written by other processes. Returns the function that stops listening.
 */
export function onEventHint(hints: EventHintModel, listener: () => void): () => void {
  let listeners = hintListeners.get(hints);
  if (!listeners) hintListeners.set(hints, (listeners = new Set()));
  listeners.add(listener);
  const registered = listeners;
  return () => registered.delete(listener);
}

/** Notes that a document of `collectionName` has events to publish. Safe to repeat. */
export async function hintEvents(hints: EventHintModel, collectionName: string, documentId: unknown): Promise<void> {
  await writeHint(hints, collectionName, documentId);
  hintListeners.get(hints)?.forEach((listener) => listener());
}

async function writeHint(hints: EventHintModel, collectionName: string, documentId: unknown): Promise<void> {
  await hints.updateOne(
    { _id: `${collectionName}|${String(documentId)}` },
    { $inc: { n: 1 }, $setOnInsert: { collectionName, documentId } },
    { upsert: true },
  ).catch((error: unknown) => {
    // Two first hints at once: the other upsert created it, which is all we wanted.
    if ((error as { code?: unknown }).code !== 11000) throw error;
  });
}
