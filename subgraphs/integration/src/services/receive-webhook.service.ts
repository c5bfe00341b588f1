import { isDuplicateKey } from '@mesh/events';
import { randomUUID } from 'node:crypto';
import type { IntegrationModels } from '../models/index.js';
import type { InboundMessageRecord, InboundSystem } from '../models/inbound-message.model.js';

/** A verified webhook, as the HTTP edge read it. */
export interface VerifiedWebhook {
  readonly system: InboundSystem;
  readonly sender: string;
  readonly webhookId: string;
  readonly topic: string;
  readonly rawBody: string;
  /** The entity the message is about (its messages are processed in arrival order); the message alone when absent. */
  readonly partitionKey: string | undefined;
}

export type ReceiveOutcome = { readonly kind: 'accepted'; readonly id: string } | { readonly kind: 'duplicate'; readonly id: string };

/**
 * Records a verified webhook durably before anything acts on it: one insert keyed by its webhook
 * id, due at once for the inbound worker. A redelivery of the same id changes nothing but its
 * `duplicateDeliveries` count. What the worker will do with it (an order, a cancellation, a
 * refund, or an exception: unsupported topic, unreadable JSON) is decided there, never here, so
 * the answer is fast and every accepted webhook is kept.
 */
export async function receiveWebhook(models: IntegrationModels, webhook: VerifiedWebhook): Promise<ReceiveOutcome> {
  const id = `${webhook.system}:${webhook.sender}:${webhook.webhookId}`;
  const now = new Date();
  const record: InboundMessageRecord = {
    _id: id,
    system: webhook.system,
    sender: webhook.sender,
    webhookId: webhook.webhookId,
    topic: webhook.topic,
    body: webhook.rawBody,
    partitionKey: webhook.partitionKey ?? id,
    receivedAt: now,
    status: 'RECEIVED',
    nextAttemptAt: now,
    attempts: 0,
    duplicateDeliveries: 0,
    correlationId: `${webhook.system}-${randomUUID()}`,
  };
  try {
    await models.inboundMessages.create(record);
    return { kind: 'accepted', id };
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    await models.inboundMessages.updateOne({ _id: id }, { $inc: { duplicateDeliveries: 1 } });
    return { kind: 'duplicate', id };
  }
}
