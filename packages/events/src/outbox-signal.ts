import type { Connection } from 'mongoose';

/**
 * "Events were just recorded in this database": the one in-process signal between a service's
 * writers and its outbox relay, so a change's events go out at once instead of at the relay's
 * next safety-net pass. Keyed by the mongoose connection every model of a service shares, so a
 * writer needs nothing but the model it wrote with. Only a wake-up: the relay finds the events
 * themselves in the database, which is also how it finds those of other processes.
 */
const listeners = new WeakMap<Connection, Set<(collection: string) => void>>();

/** Called by a writer after a write that recorded events (`withPendingEvents`, a queued change) in `model`'s collection. */
export function announceEvents(model: { readonly db: Connection; readonly collection: { readonly name: string } }): void {
  listeners.get(model.db)?.forEach((listener) => listener(model.collection.name));
}

/** Calls `listener` with the collection after every announcement on `connection`; returns the function that stops it. */
export function onEventsAnnounced(connection: Connection, listener: (collection: string) => void): () => void {
  let set = listeners.get(connection);
  if (!set) listeners.set(connection, (set = new Set()));
  set.add(listener);
  const registered = set;
  return () => registered.delete(listener);
}
