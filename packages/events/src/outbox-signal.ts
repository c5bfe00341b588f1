import type { Connection } from 'mongoose';
import type { PendingDocument } from './outbox.js';

/**
 * "Events were just recorded in this database": the one in-process signal between a service's
 * writers and its outbox relay, so a change's events go out at once instead of at the relay's
 * next safety-net pass. Keyed by the mongoose connection every model of a service shares, so a
 * writer needs nothing but the model it wrote with. A wake-up, which may carry what was written:
 * without `written` the relay finds the events in the database (which is also how it finds those
 * of other processes).
 */
type Listener = (collection: string, written?: readonly PendingDocument[]) => void;
const listeners = new WeakMap<Connection, Set<Listener>>();

/**
 * Called by a writer after a write that recorded events (`withPendingEvents`, a queued change) in
 * `model`'s collection. `written`: each written document's id and its whole `pendingEvents` array
 * exactly as that write left it (the inserted document, or what `returnDocument: 'after'` gave
 * back), so the relay can publish them without reading the collection: it sees what a read right
 * after the write would have seen. Give it only for a `pendingEventsPlugin` collection.
 */
export function announceEvents(model: { readonly db: Connection; readonly collection: { readonly name: string } }, written?: readonly PendingDocument[]): void {
  listeners.get(model.db)?.forEach((listener) => listener(model.collection.name, written));
}

/** Calls `listener` with the collection (and what was written, if told) after every announcement on `connection`; returns the function that stops it. */
export function onEventsAnnounced(connection: Connection, listener: Listener): () => void {
  let set = listeners.get(connection);
  if (!set) listeners.set(connection, (set = new Set()));
  set.add(listener);
  const registered = set;
  return () => registered.delete(listener);
}
