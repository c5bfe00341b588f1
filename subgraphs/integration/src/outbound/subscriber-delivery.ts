import type { Logger } from '@mesh/server-kit';
import type { SubscriberDeliverySettings } from '../settings.js';
import type { IntegrationModels } from '../models/index.js';
import { startSubscriberLane, type SubscriberLane } from './subscriber-lane.js';

/**
 * How often the set of active subscriptions is read again, for registrations made through other
 * replicas (a queued delivery wakes its subscription's lane at once, starting it if need be).
 */
const REFRESH_MS = 10_000;

export interface SubscriberDelivery {
  /** Deliveries were queued (or replayed) for these subscriptions: their lanes look now. */
  wake(subscriptionIds: readonly string[]): void;
  stop(): Promise<void>;
}

/** Runs one lane (subscriber-lane.ts) per active subscription, starting lanes for new ones and stopping those of deactivated ones. */
export function startSubscriberDelivery(models: IntegrationModels, settings: SubscriberDeliverySettings, logger: Logger): SubscriberDelivery {
  const lanes = new Map<string, SubscriberLane>();
  let running = true;
  const laneOf = (id: string) => {
    let lane = lanes.get(id);
    if (!lane && running) {
      lane = startSubscriberLane(id, models, settings, logger);
      lanes.set(id, lane);
    }
    return lane;
  };
  const refresh = async () => {
    const active = new Set((await models.eventSubscriptions.find({ active: true }, { _id: 1 }).lean<{ _id: string }[]>()).map((row) => row._id));
    for (const id of active) laneOf(id);
    for (const [id, lane] of lanes) {
      if (active.has(id)) continue;
      lanes.delete(id);
      await lane.stop();
    }
  };
  const timer = setInterval(() => void refresh().catch((error: unknown) => logger.error({ err: error }, 'subscriber refresh failed')), REFRESH_MS);
  void refresh().catch((error: unknown) => logger.error({ err: error }, 'subscriber refresh failed'));
  return {
    wake(subscriptionIds) {
      for (const id of subscriptionIds) laneOf(id)?.wake();
    },
    async stop() {
      running = false;
      clearInterval(timer);
      await Promise.all([...lanes.values()].map((lane) => lane.stop()));
      lanes.clear();
    },
  };
}
