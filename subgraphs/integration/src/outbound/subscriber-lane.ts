import type { Logger } from '@mesh/server-kit';
import type { SubscriberDeliverySettings } from '../settings.js';
import type { EventDeliveryRecord } from '../models/event-delivery.model.js';
import type { EventSubscriptionRecord } from '../models/event-subscription.model.js';
import type { IntegrationModels } from '../models/index.js';
import { startWakeableLoop } from '../services/wakeable-loop.js';
import { DELIVERY_HEADERS, signDelivery } from './delivery-signature.js';

/** How many queued deliveries one pass looks at to find each key's next one. */
const WINDOW = 200;
/** A sender's claim on a delivery lasts its timeout plus this; a sender that died only delays it. */
const CLAIM_MARGIN_MS = 5_000;
const MAX_RETRY_DELAY_MS = 10 * 60_000;
/** Longest pause of an idle lane (a wake cuts it short). */
const IDLE_MS = 1_000;

export interface SubscriberLane {
  wake(): void;
  stop(): Promise<void>;
}

export const retryDelayMs = (settings: SubscriberDeliverySettings, attempts: number) =>
  Math.min(MAX_RETRY_DELAY_MS, settings.retryBaseMs * 2 ** Math.max(0, attempts - 1));

/**
 * Sends one subscriber's queue, on its own loop, so a slow, failing or dead subscriber only ever
 * waits for itself. Each pass takes the oldest PENDING delivery of every ordering key (later ones
 * of a key wait for it) and sends the due ones, up to `concurrency` at once: 2xx -> DELIVERED;
 * anything else (an error status, a refused connection, no answer within `timeoutMs`) -> retried
 * after a doubling backoff, and DEAD after `maxAttempts`, which frees its key for the next event.
 * Every send first claims the delivery (guarded update), so replicas never send one twice at once.
 */
export function startSubscriberLane(subscriptionId: string, models: IntegrationModels, settings: SubscriberDeliverySettings, logger: Logger): SubscriberLane {
  return startWakeableLoop(
    async (pause) => {
      const subscription = await models.eventSubscriptions.findById(subscriptionId).lean<EventSubscriptionRecord>();
      if (!subscription?.active) return 'done';
      const queue = await models.eventDeliveries
        .find({ subscriptionId, status: 'PENDING' })
        .sort({ occurredAt: 1, sequence: 1 })
        .limit(WINDOW)
        .lean<EventDeliveryRecord[]>();
      const heads = headsOf(queue);
      const now = Date.now();
      const due = heads.filter((delivery) => delivery.nextAttemptAt.getTime() <= now).slice(0, settings.concurrency);
      if (due.length === 0) {
        const next = Math.min(...heads.map((delivery) => delivery.nextAttemptAt.getTime()));
        await pause.sleep(Number.isFinite(next) ? Math.min(IDLE_MS, next - now) : IDLE_MS);
        return;
      }
      await Promise.all(due.map((delivery) => send(models, settings, subscription, delivery)));
    },
    { logger, failureMessage: 'subscriber lane pass failed', logFields: { subscriptionId }, failurePauseMs: IDLE_MS },
  );
}

/** The first (oldest) delivery of every ordering key, oldest key first. */
function headsOf(queue: readonly EventDeliveryRecord[]): EventDeliveryRecord[] {
  const seen = new Set<string>();
  return queue.filter((delivery) => !seen.has(delivery.orderingKey) && Boolean(seen.add(delivery.orderingKey)));
}

async function send(
  models: IntegrationModels,
  settings: SubscriberDeliverySettings,
  subscription: EventSubscriptionRecord,
  queued: EventDeliveryRecord,
): Promise<void> {
  const claimedAt = new Date();
  const delivery = await models.eventDeliveries
    .findOneAndUpdate(
      { _id: queued._id, status: 'PENDING', nextAttemptAt: { $lte: claimedAt } },
      { $set: { nextAttemptAt: new Date(claimedAt.getTime() + settings.timeoutMs + CLAIM_MARGIN_MS) }, $inc: { attempts: 1 } },
      { returnDocument: 'after' },
    )
    .lean<EventDeliveryRecord>();
  if (!delivery) return;
  const failure = await post(settings, subscription, delivery);
  const guard = { _id: delivery._id, status: 'PENDING' as const, attempts: delivery.attempts };
  const now = new Date();
  if (failure === null) {
    await models.eventDeliveries.updateOne(guard, { $set: { status: 'DELIVERED', deliveredAt: now }, $unset: { lastError: 1 } });
  } else if (delivery.attempts >= settings.maxAttempts) {
    await models.eventDeliveries.updateOne(guard, { $set: { status: 'DEAD', deadAt: now, lastError: failure } });
  } else {
    await models.eventDeliveries.updateOne(guard, {
      $set: { nextAttemptAt: new Date(now.getTime() + retryDelayMs(settings, delivery.attempts)), lastError: failure },
    });
  }
}

/** Sends one delivery; null when the subscriber took it (2xx), else what went wrong. */
async function post(settings: SubscriberDeliverySettings, subscription: EventSubscriptionRecord, delivery: EventDeliveryRecord): Promise<string | null> {
  const timestamp = Math.floor(Date.now() / 1000);
  try {
    const response = await fetch(subscription.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [DELIVERY_HEADERS.eventId]: delivery.eventId,
        [DELIVERY_HEADERS.topic]: delivery.topic,
        [DELIVERY_HEADERS.attempt]: String(delivery.attempts),
        [DELIVERY_HEADERS.timestamp]: String(timestamp),
        [DELIVERY_HEADERS.signature]: signDelivery(delivery.body, timestamp, subscription.secret),
      },
      body: delivery.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(settings.timeoutMs),
    });
    await response.body?.cancel();
    return response.ok ? null : `HTTP ${response.status}`;
  } catch (error) {
    return (error as Error).name === 'TimeoutError' ? `no answer within ${settings.timeoutMs} ms` : (error as Error).message;
  }
}
