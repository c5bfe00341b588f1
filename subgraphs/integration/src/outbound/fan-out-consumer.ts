import { type AnyEnvelope, type EventBus, isDuplicateKey, type Subscription, TOPICS } from '@mesh/events';
import type { IntegrationModels } from '../models/index.js';
import type { ActiveSubscriptions } from './active-subscriptions.js';

export const OUTBOUND_CONSUMER = 'integration-outbound-fan-out';

/**
 * Events of one entity reach a subscriber in order: the key is the order for order events (and
 * inventory's reservation events), the stock level for movements and availability, the product,
 * the journal entry, the surviving customer; otherwise the event alone.
 */
export function orderingKeyOf(envelope: AnyEnvelope): string {
  const data: object = envelope.data;
  if ('orderId' in data && typeof data.orderId === 'string' && envelope.source !== 'ledger') return `order:${data.orderId}`;
  if ('sku' in data && typeof data.sku === 'string')
    return 'locationId' in data && typeof data.locationId === 'string' ? `stock:${data.sku}@${data.locationId}` : `sku:${data.sku}`;
  if ('productId' in data && typeof data.productId === 'string') return `product:${data.productId}`;
  if ('entryId' in data && typeof data.entryId === 'string') return `entry:${data.entryId}`;
  if ('survivorId' in data && typeof data.survivorId === 'string') return `customer:${data.survivorId}`;
  return `event:${envelope.id}`;
}

/**
 * Queues every event for every active subscription of its topic: one keyed insert per
 * subscriber (a redelivered event finds its deliveries there and adds none), then `queued` wakes
 * the senders. Never calls a subscriber itself, so no subscriber can slow the bus or the domains.
 * One event at a time, so deliveries of one key are queued in the order the domain published them.
 */
export async function startFanOut(
  bus: EventBus,
  models: IntegrationModels,
  active: ActiveSubscriptions,
  queued: (subscriptionIds: readonly string[]) => void,
): Promise<Subscription> {
  let sequence = 0;
  return bus.subscribe(TOPICS, OUTBOUND_CONSUMER, async (envelope) => {
    const subscriptions = (await active.of(envelope.type)).map((_id) => ({ _id }));
    if (subscriptions.length === 0) return;
    const body = JSON.stringify(envelope);
    const now = new Date();
    const occurredAt = new Date(envelope.occurredAt);
    sequence = Math.max(sequence + 1, Date.now() * 1000);
    const deliveries = subscriptions.map(({ _id: subscriptionId }) => ({
      _id: `${subscriptionId}:${envelope.id}`,
      subscriptionId,
      eventId: envelope.id,
      topic: envelope.type,
      orderingKey: orderingKeyOf(envelope),
      occurredAt,
      sequence,
      body,
      status: 'PENDING' as const,
      attempts: 0,
      nextAttemptAt: now,
    }));
    try {
      await models.eventDeliveries.insertMany(deliveries, { ordered: false });
    } catch (error) {
      // Some were queued already (a redelivered event): the others were inserted all the same.
      if (!isDuplicateKeyOnly(error)) throw error;
    }
    queued(subscriptions.map((subscription) => subscription._id));
  });
}

function isDuplicateKeyOnly(error: unknown): boolean {
  const { writeErrors } = error as { writeErrors?: unknown[] };
  if (writeErrors?.length) return writeErrors.every(isDuplicateKey);
  return isDuplicateKey(error);
}
