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

/** Notes that a document of `collectionName` has events to publish. Safe to repeat. */
export async function hintEvents(hints: EventHintModel, collectionName: string, documentId: unknown): Promise<void> {
  await hints.updateOne(
    { _id: `${collectionName}|${String(documentId)}` },
    { $inc: { n: 1 }, $setOnInsert: { collectionName, documentId } },
    { upsert: true },
  ).catch((error: unknown) => {
    // Two first hints at once: the other upsert created it, which is all we wanted.
    if ((error as { code?: unknown }).code !== 11000) throw error;
  });
}
