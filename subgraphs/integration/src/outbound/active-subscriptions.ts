import type { Model } from 'mongoose';
import type { EventSubscriptionRecord } from '../models/event-subscription.model.js';

/** How long the active subscriptions read by one process are reused: the most another replica's registration is late here. */
const REUSED_FOR_MS = 1000;

/**
 * The active subscriptions by topic, as this process last read them. Every event of the mesh
 * comes through the fan-out, and subscriptions change rarely: the whole (small) table is read at
 * most once a second per process instead of once per event. A change made by this process is
 * seen at once (`changed`); one made by another replica within REUSED_FOR_MS.
 */
export class ActiveSubscriptions {
  #read: { readonly byTopic: Promise<ReadonlyMap<string, readonly string[]>>; readonly until: number } | undefined;

  constructor(private readonly model: Model<EventSubscriptionRecord>) {}

  /** The ids of the active subscriptions of a topic. */
  async of(topic: string): Promise<readonly string[]> {
    let read = this.#read;
    if (!read || read.until <= Date.now()) {
      const byTopic = this.readByTopic();
      read = { byTopic, until: Date.now() + REUSED_FOR_MS };
      this.#read = read;
      byTopic.catch(() => {
        if (this.#read === read) this.#read = undefined;
      });
    }
    return (await read.byTopic).get(topic) ?? [];
  }

  /** Forgets what this process read, after it registered, activated or deactivated a subscription. */
  changed(): void {
    this.#read = undefined;
  }

  private async readByTopic(): Promise<ReadonlyMap<string, readonly string[]>> {
    const active = await this.model.find({ active: true }, { _id: 1, topics: 1 }).lean<Pick<EventSubscriptionRecord, '_id' | 'topics'>[]>();
    const byTopic = new Map<string, string[]>();
    for (const { _id, topics } of active) for (const topic of topics) byTopic.set(topic, [...(byTopic.get(topic) ?? []), _id]);
    return byTopic;
  }
}
