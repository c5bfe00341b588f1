import type { Model } from 'mongoose';
import type { EventSubscriptionRecord } from '../models/event-subscription.model.js';

/** How long the active subscriptions read by one process are reused: the most another replica's registration is late here. */
const REUSED_FOR_MS = 1000;

const cached = new WeakMap<object, { readonly byTopic: Promise<ReadonlyMap<string, readonly string[]>>; readonly until: number }>();

/**
 * The active subscriptions of a topic, by id. Every event of the mesh comes through the fan-out,
 * and subscriptions change rarely: the whole (small) table is read at most once a second per
 * process instead of once per event. A change made by this process is seen at once
 * (`subscriptionsChanged`); one made by another replica within REUSED_FOR_MS.
 */
export async function activeSubscriptionsOf(model: Model<EventSubscriptionRecord>, topic: string): Promise<readonly string[]> {
  let entry = cached.get(model);
  if (!entry || entry.until <= Date.now()) {
    const byTopic = readByTopic(model);
    entry = { byTopic, until: Date.now() + REUSED_FOR_MS };
    cached.set(model, entry);
    byTopic.catch(() => cached.delete(model));
  }
  return (await entry.byTopic).get(topic) ?? [];
}

/** Forgets what this process read, after it registered, activated or deactivated a subscription. */
export function subscriptionsChanged(model: Model<EventSubscriptionRecord>): void {
  cached.delete(model);
}

async function readByTopic(model: Model<EventSubscriptionRecord>): Promise<ReadonlyMap<string, readonly string[]>> {
  const active = await model.find({ active: true }, { _id: 1, topics: 1 }).lean<Pick<EventSubscriptionRecord, '_id' | 'topics'>[]>();
  const byTopic = new Map<string, string[]>();
  for (const { _id, topics } of active) for (const topic of topics) byTopic.set(topic, [...(byTopic.get(topic) ?? []), _id]);
  return byTopic;
}
