import type { AnyEnvelope } from './envelope.js';
import { traceDelivery } from './event-tracing.js';
import { EventInProgressError, type DeadLetter, type DeliveryContext, type DeliveryPolicy, type EventHandler } from './event-bus.js';
import type { Topic } from './topics.js';

/** What an adapter does with a delivery once the handler has run. */
export type DeliveryOutcome =
  | { readonly kind: 'ack' }
  /** `counted` false: the handler never failed (it was waiting when the subscription stopped). */
  | { readonly kind: 'retry'; readonly delayMs: number; readonly error: DeadLetter['error']; readonly counted: boolean }
  | { readonly kind: 'dead-letter'; readonly error: DeadLetter['error']; readonly deliveries: number };

/** What the adapter lends a delivery while it runs. */
export interface LiveDelivery {
  /** Tells the transport the delivery is still being worked on (JetStream: restarts its ack wait). */
  inProgress(): void;
  /** Aborted when the subscription stops. */
  readonly stopping: AbortSignal;
}

/** Waits between asking again whether a busy fact has settled elsewhere: 10 ms doubling to 500 ms. */
const IN_PROGRESS_POLL_MS = { first: 10, max: 500 } as const;

/**
 * Runs a handler for one delivery and decides its fate, identically for every adapter: resolve
 * means ack; a throw means a retry after the policy's backoff, or a dead letter once this was
 * delivery `maxDeliver`. A delivery beyond `maxDeliver` (the previous one never settled: the
 * process died or ack wait expired) is dead-lettered without running the handler again.
 * EventInProgressError is not a failure: the delivery waits in place and runs the handler again
 * until it settles, whatever that takes, spending nothing of the delivery budget.
 */
export async function runDelivery<T extends Topic>(
  handler: EventHandler<T>,
  envelope: AnyEnvelope<T>,
  context: DeliveryContext,
  policy: DeliveryPolicy,
  live: LiveDelivery,
): Promise<DeliveryOutcome> {
  if (context.deliveryCount > policy.maxDeliver) {
    const error = {
      name: 'DeliveryNotSettled',
      message: `delivery ${context.deliveryCount - 1} of ${policy.maxDeliver} was never acknowledged (the consumer died or exceeded ack wait)`,
    };
    return { kind: 'dead-letter', error, deliveries: context.deliveryCount - 1 };
  }
  for (let waits = 0; ; waits++) {
    try {
      await traceDelivery(envelope, context.consumer, context.deliveryCount, async () => handler(envelope, context));
      return { kind: 'ack' };
    } catch (thrown) {
      if (thrown instanceof EventInProgressError) {
        if (live.stopping.aborted) return { kind: 'retry', delayMs: 0, error: errorRecord(thrown), counted: false };
        live.inProgress();
        await untilSettledOrStopped(thrown, Math.min(IN_PROGRESS_POLL_MS.max, IN_PROGRESS_POLL_MS.first * 2 ** Math.min(waits, 10)), live.stopping);
        continue;
      }
      const error = errorRecord(thrown);
      if (context.deliveryCount >= policy.maxDeliver) return { kind: 'dead-letter', error, deliveries: context.deliveryCount };
      const delayMs = policy.backoffMs[Math.min(context.deliveryCount, policy.backoffMs.length) - 1] ?? 0;
      return { kind: 'retry', delayMs, error, counted: true };
    }
  }
}

function untilSettledOrStopped(busy: EventInProgressError, withinMs: number, stopping: AbortSignal): Promise<void> {
  if (stopping.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      stopping.removeEventListener('abort', done);
      resolve();
    };
    stopping.addEventListener('abort', done, { once: true });
    busy.whenSettled(withinMs).then(done, done);
  });
}

export function errorRecord(thrown: unknown): DeadLetter['error'] {
  if (thrown instanceof Error) return { name: thrown.name, message: thrown.message, ...(thrown.stack ? { stack: thrown.stack } : {}) };
  return { name: 'NonError', message: String(thrown) };
}
