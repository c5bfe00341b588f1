import type { AnyEnvelope } from './envelope.js';
import type { DeadLetter, DeliveryContext, DeliveryPolicy, EventHandler } from './event-bus.js';
import type { Topic } from './topics.js';

/** What an adapter does with a delivery once the handler has run. */
export type DeliveryOutcome =
  | { readonly kind: 'ack' }
  | { readonly kind: 'retry'; readonly delayMs: number; readonly error: DeadLetter['error'] }
  | { readonly kind: 'dead-letter'; readonly error: DeadLetter['error']; readonly deliveries: number };

/**
 * Runs a handler for one delivery and decides its fate, identically for every adapter: resolve
 * means ack; a throw means a retry after the policy's backoff, or a dead letter once this was
 * delivery `maxDeliver`. A delivery beyond `maxDeliver` (the previous one never settled: the
 * process died or ack wait expired) is dead-lettered without running the handler again.
 */
export async function runDelivery<T extends Topic>(
  handler: EventHandler<T>,
  envelope: AnyEnvelope<T>,
  context: DeliveryContext,
  policy: DeliveryPolicy,
): Promise<DeliveryOutcome> {
  if (context.deliveryCount > policy.maxDeliver) {
    const error = { name: 'DeliveryNotSettled', message: `delivery ${context.deliveryCount - 1} of ${policy.maxDeliver} was never acknowledged (the consumer died or exceeded ack wait)` };
    return { kind: 'dead-letter', error, deliveries: context.deliveryCount - 1 };
  }
  try {
    await handler(envelope, context);
    return { kind: 'ack' };
  } catch (thrown) {
    const error = errorRecord(thrown);
    if (context.deliveryCount >= policy.maxDeliver) return { kind: 'dead-letter', error, deliveries: context.deliveryCount };
    const delayMs = policy.backoffMs[Math.min(context.deliveryCount, policy.backoffMs.length) - 1] ?? 0;
    return { kind: 'retry', delayMs, error };
  }
}

export function errorRecord(thrown: unknown): DeadLetter['error'] {
  if (thrown instanceof Error) return { name: thrown.name, message: thrown.message, ...(thrown.stack ? { stack: thrown.stack } : {}) };
  return { name: 'NonError', message: String(thrown) };
}
