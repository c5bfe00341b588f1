import { randomBytes, randomUUID } from 'node:crypto';
import { isTopic } from '@mesh/events';
import { badUserInput, boundedText, identifier, notFound, pageSize, type Principal } from '@mesh/server-kit';
import type { IntegrationModels } from '../models/index.js';
import type { DeliveryStatus, EventDeliveryRecord } from '../models/event-delivery.model.js';
import type { EventSubscriptionRecord } from '../models/event-subscription.model.js';
import { assertMayManageIntegrations, assertMayReadIntegrations } from '../access.js';

export interface RegisterSubscriptionInput {
  readonly url: string;
  readonly topics: readonly string[];
  readonly description?: string | null;
}

/** A registration's answer: the subscription and, this once, its signing secret. */
export interface SubscriptionRegistered {
  readonly subscription: EventSubscriptionRecord;
  readonly secret: string;
}

const MAX_TOPICS = 50;

function checkedUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw badUserInput('url must be an absolute http(s) URL', { argument: 'input.url' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw badUserInput('url must be an http(s) URL', { argument: 'input.url' });
  if (url.username || url.password) throw badUserInput('url must not carry credentials: deliveries are signed instead', { argument: 'input.url' });
  if (raw.length > 2048) throw badUserInput('url is longer than 2048 characters', { argument: 'input.url' });
  return url.toString();
}

/**
 * Registers a subscriber for some of the mesh's topics (every topic must exist): events of those
 * topics published from now on are queued for it and pushed, signed with a new secret that is
 * answered this once. Admins.
 */
export async function registerSubscription(models: IntegrationModels, principal: Principal, input: RegisterSubscriptionInput): Promise<SubscriptionRegistered> {
  assertMayManageIntegrations(principal);
  const url = checkedUrl(input.url);
  if (input.topics.length < 1 || input.topics.length > MAX_TOPICS)
    throw badUserInput(`topics must name 1 to ${MAX_TOPICS} topics`, { argument: 'input.topics' });
  const unknown = input.topics.filter((topic) => !isTopic(topic));
  if (unknown.length > 0) throw badUserInput(`Unknown topics: ${unknown.join(', ')}`, { argument: 'input.topics', topics: unknown });
  const description = boundedText(input.description, 'input.description');
  const secret = `mesh_whsec_${randomBytes(24).toString('base64url')}`;
  const subscription: EventSubscriptionRecord = {
    _id: `sub_${randomUUID()}`,
    url,
    topics: [...new Set(input.topics)],
    ...(description ? { description } : {}),
    secret,
    active: true,
    createdAt: new Date(),
  };
  await models.eventSubscriptions.create(subscription);
  return { subscription, secret };
}

export async function listSubscriptions(models: IntegrationModels, principal: Principal): Promise<EventSubscriptionRecord[]> {
  assertMayReadIntegrations(principal);
  return models.eventSubscriptions.find({}).sort({ createdAt: 1 }).limit(200).lean<EventSubscriptionRecord[]>();
}

/** Stops pushing to a subscriber; what is queued stays (and is sent again if it is reactivated). Admins. */
export async function setSubscriptionActive(models: IntegrationModels, principal: Principal, rawId: string, active: boolean): Promise<EventSubscriptionRecord> {
  assertMayManageIntegrations(principal);
  const id = identifier(rawId, 'id');
  const updated = await models.eventSubscriptions
    .findOneAndUpdate({ _id: id }, { $set: { active } }, { returnDocument: 'after' })
    .lean<EventSubscriptionRecord>();
  if (!updated) throw notFound(`There is no event subscription ${id}`);
  return updated;
}

/** A subscriber's deliveries in one status, oldest first (the order they go out in), at most `first`. */
export async function listDeliveries(
  models: IntegrationModels,
  principal: Principal,
  rawId: string,
  status: DeliveryStatus,
  first: number | null | undefined,
): Promise<EventDeliveryRecord[]> {
  assertMayReadIntegrations(principal);
  const subscriptionId = identifier(rawId, 'subscriptionId');
  return models.eventDeliveries.find({ subscriptionId, status }).sort({ occurredAt: 1, sequence: 1 }).limit(pageSize(first)).lean<EventDeliveryRecord[]>();
}

/** How many of a subscriber's deliveries are in a status (an index count). */
export function countDeliveries(models: IntegrationModels, subscriptionId: string, status: DeliveryStatus): Promise<number> {
  return models.eventDeliveries.countDocuments({ subscriptionId, status }).exec();
}

/**
 * Sends a subscriber's dead-lettered deliveries again, with a fresh budget of attempts, in their
 * original order per key; returns how many. Admins.
 */
export async function replayDeadDeliveries(
  models: IntegrationModels,
  principal: Principal,
  rawId: string,
  wake: (subscriptionId: string) => void,
): Promise<number> {
  assertMayManageIntegrations(principal);
  const subscriptionId = identifier(rawId, 'subscriptionId');
  if (!(await models.eventSubscriptions.exists({ _id: subscriptionId }))) throw notFound(`There is no event subscription ${subscriptionId}`);
  const result = await models.eventDeliveries.updateMany(
    { subscriptionId, status: 'DEAD' },
    { $set: { status: 'PENDING', attempts: 0, nextAttemptAt: new Date() }, $unset: { deadAt: 1 } },
  );
  wake(subscriptionId);
  return result.modifiedCount;
}

/**
 * Sends one delivered or dead delivery again, with a fresh budget of attempts and the very same
 * body and event id (an ERP re-imports a closed day's journal this way; the receiver de-duplicates
 * by X-Mesh-Event-Id or the batch id if it wants). A pending one is already on its way and is
 * answered as it is. NOT_FOUND for an unknown id. Admins.
 */
export async function resendDelivery(
  models: IntegrationModels,
  principal: Principal,
  rawId: string,
  wake: (subscriptionId: string) => void,
): Promise<EventDeliveryRecord> {
  assertMayManageIntegrations(principal);
  const id = identifier(rawId, 'id');
  const resent = await models.eventDeliveries
    .findOneAndUpdate(
      { _id: id, status: { $ne: 'PENDING' } },
      { $set: { status: 'PENDING', attempts: 0, nextAttemptAt: new Date() }, $unset: { deadAt: 1, deliveredAt: 1, lastError: 1 } },
      { returnDocument: 'after' },
    )
    .lean<EventDeliveryRecord>();
  const delivery = resent ?? (await models.eventDeliveries.findById(id).lean<EventDeliveryRecord>());
  if (!delivery) throw notFound(`There is no event delivery ${id}`);
  wake(delivery.subscriptionId);
  return delivery;
}
