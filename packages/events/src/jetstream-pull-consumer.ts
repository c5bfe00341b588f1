import { setTimeout as sleep } from 'node:timers/promises';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Consumer, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { parseEnvelope, type AnyEnvelope } from './envelope.js';
import { runDelivery } from './delivery.js';
import type { DeliveryPolicy, EventHandler, EventLogger, SubscribeOptions } from './event-bus.js';
import { KeyedLanes } from './keyed-lanes.js';
import { REPLAY_FOR_HEADER, type DeadLetterStore } from './jetstream-dead-letters.js';
import { isTopic, type Topic } from './topics.js';

export interface BusSettings {
  readonly pullExpiresMs: number;
  readonly fetchBatch: number;
  readonly defaultDelivery: Pick<SubscribeOptions, 'maxDeliver' | 'backoffMs'>;
  readonly logger: EventLogger;
}

/**
 * The pull side of a JetStream bus: the loop that pulls a domain stream for a subscription, and
 * what happens to each message it pulls (unwrapped, handed to the handler, then acked, nak'ed for
 * a retry or dead-lettered). One per bus: it remembers first failures across its subscriptions.
 */
export function createPullConsumer(nc: NatsConnection, js: JetStreamClient, deadLetters: DeadLetterStore, settings: BusSettings) {
  const { logger } = settings;
  /** First failure per (consumer, stream, seq) while its retries run in this process; bounded. */
  const firstFailures = new Map<string, string>();
  const FIRST_FAILURES_KEPT = 10_000;

  /** What a pulled message carries for this consumer, or null once it was settled without the handler. */
  function unwrap(message: JsMsg, wanted: ReadonlySet<Topic>, consumerName: string): { envelope: AnyEnvelope; replayFor: string | undefined } | null {
    const replayFor = message.headers?.get(REPLAY_FOR_HEADER) || undefined;
    if ((replayFor && replayFor !== consumerName) || !isTopic(message.subject) || !wanted.has(message.subject)) {
      message.ack(); // Another consumer's replay, or a topic of this stream that this consumer does not take.
      return null;
    }
    try {
      return { envelope: parseEnvelope(message.json()), replayFor };
    } catch (error) {
      logger.error({ consumer: consumerName, subject: message.subject, seq: message.seq, err: error }, 'dropped a message that is not an event envelope');
      message.term();
      return null;
    }
  }

  async function handle(
    message: JsMsg,
    envelope: AnyEnvelope,
    replayFor: string | undefined,
    consumerName: string,
    handler: EventHandler<Topic>,
    policy: DeliveryPolicy,
    stopping: AbortSignal,
  ): Promise<void> {
    const context = { consumer: consumerName, deliveryCount: message.info.deliveryCount, replay: replayFor !== undefined };
    const outcome = await runDelivery(handler, envelope, context, policy, { inProgress: () => message.working(), stopping });
    const failureKey = `${consumerName}:${message.info.stream}:${message.info.streamSequence}`;
    const firstFailedAt = firstFailures.get(failureKey);
    if (outcome.kind !== 'retry') firstFailures.delete(failureKey);
    if (outcome.kind === 'ack') {
      // Not confirmed (a round trip per event, and a request object each, cost more than the rare
      // redelivery of an ack lost on the way): a lost ack brings the event again, and consumers are idempotent.
      message.ack();
    } else if (outcome.kind === 'retry' && !outcome.counted) {
      // Stopping while it waited on another delivery of its fact: give it back at once. The server
      // counts the delivery, as it counts one cut short by a crash (max_deliver keeps a spare).
      message.nak();
    } else if (outcome.kind === 'retry') {
      if (firstFailedAt === undefined) {
        if (firstFailures.size >= FIRST_FAILURES_KEPT) firstFailures.delete(firstFailures.keys().next().value as string);
        firstFailures.set(failureKey, new Date().toISOString());
      }
      logger.warn(
        { consumer: consumerName, eventId: envelope.id, type: envelope.type, delivery: context.deliveryCount, error: outcome.error.message },
        'event handler failed; will retry',
      );
      message.nak(outcome.delayMs);
    } else {
      try {
        const source = { stream: message.info.stream, seq: message.info.streamSequence };
        const letter = { consumer: consumerName, envelope, error: outcome.error, deliveries: outcome.deliveries, ...(firstFailedAt ? { firstFailedAt } : {}) };
        const id = await deadLetters.add(letter, source);
        logger.error(
          { consumer: consumerName, eventId: envelope.id, type: envelope.type, deadLetterId: id, error: outcome.error.message },
          'event dead-lettered',
        );
        message.term();
      } catch (error) {
        // Not recorded: leave it unacknowledged; the spare delivery (max_deliver + 1) tries again.
        logger.error({ consumer: consumerName, eventId: envelope.id, err: error }, 'could not record a dead letter');
        message.nak(policy.backoffMs[0]);
      }
    }
  }

  /**
   * Pulls one domain stream for a subscription: each pull asks for up to `fetchBatch` events (at
   * least `concurrency`), and each event goes to its partition's lane as a lane frees, without
   * waiting for it to settle (at concurrency 1: one at a time, in stream order). A member whose
   * lanes all stay busy for `stallMs` while it holds a delivered event is stuck: it gives that event
   * and the rest of its pull back at once, for the other members, and pulls again once a lane frees.
   */
  function pullLoop(
    stream: string,
    consumerName: string,
    concurrency: number,
    stallMs: number,
    start: (message: JsMsg, lanes: KeyedLanes) => void,
    giveBack: (message: JsMsg) => void,
    stopping: AbortSignal,
  ): Promise<void> {
    const lanes = new KeyedLanes(concurrency);
    // A pull (a new inbox, a request, an unsubscribe) serves many events: one per event cost more
    // than the handling of most events. Those beyond the free lanes wait here (their ack wait running).
    const batchSize = Math.max(concurrency, settings.fetchBatch);
    return (async () => {
      let failures = 0;
      let consumer: Consumer | null = null;
      while (!stopping.aborted) {
        try {
          await lanes.whenFree();
          if (stopping.aborted) break;
          consumer ??= await js.consumers.get(stream, consumerName);
          const batch = await consumer.fetch({ max_messages: batchSize, expires: settings.pullExpiresMs });
          // stop() ends a pull that is still waiting for events; everything it yielded is handled.
          const endPull = () => void batch.stop();
          stopping.addEventListener('abort', endPull, { once: true });
          let stuck = false;
          try {
            for await (const message of batch) {
              stuck ||= !(await laneWithin(lanes, stallMs));
              if (stuck) {
                endPull();
                giveBack(message);
                continue;
              }
              start(message, lanes);
            }
          } finally {
            stopping.removeEventListener('abort', endPull);
          }
          failures = 0;
        } catch (error) {
          if (stopping.aborted || nc.isClosed()) break;
          consumer = null;
          failures += 1;
          logger.warn({ consumer: consumerName, stream, err: error }, 'pull failed; retrying');
          await sleep(Math.min(5000, 100 * 2 ** Math.min(failures, 6)));
        }
      }
      await lanes.idle();
    })();
  }

  return { unwrap, handle, pullLoop };
}

/** Whether a lane of `lanes` is free now or frees within `ms`. */
async function laneWithin(lanes: KeyedLanes, ms: number): Promise<boolean> {
  if (lanes.free > 0) return true;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([lanes.whenFree().then(() => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
