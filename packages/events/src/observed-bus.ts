import type { AnyEnvelope } from './envelope.js';
import { DEFAULT_DELIVERY_POLICY, EventInProgressError, type EventBus, type EventHandler } from './event-bus.js';
import type { Topic } from './topics.js';

/** What became of one handler run, as the bus will treat it. */
export type HandledOutcome = 'ack' | 'retry' | 'dead-letter';

/**
 * Told about the traffic of a bus wrapped by `observeBus`, for metrics. Every argument is bounded
 * by the code (topics, consumer names, outcomes); the envelope is there for its timestamps. The
 * callbacks must not throw and must not block: they run on the delivery path.
 */
export interface BusObserver {
  published(topic: Topic, outcome: 'accepted' | 'duplicate' | 'failed'): void;
  /** One handler run of one delivery; `seconds` is the handler's own time. */
  handled(details: {
    readonly consumer: string;
    readonly envelope: AnyEnvelope;
    readonly outcome: HandledOutcome;
    readonly seconds: number;
    readonly replay: boolean;
  }): void;
  /** A dead letter was sent back to its consumer, `seconds` after it was dead-lettered. */
  replayed(details: { readonly consumer: string; readonly topic: Topic; readonly seconds: number }): void;
}

/**
 * The same bus, reporting what passes through it to `observer`: publishes with their outcome,
 * each handler run (a throw is a retry, or a dead letter on the policy's last delivery; waiting
 * on another delivery of the same fact is neither and is not reported), and replays with how long
 * the letter waited. Nothing else changes: errors still propagate exactly as before.
 */
export function observeBus(bus: EventBus, observer: BusObserver): EventBus {
  return {
    ...bus,
    async publish(envelope) {
      try {
        const result = await bus.publish(envelope);
        observer.published(envelope.type, result.duplicate ? 'duplicate' : 'accepted');
        return result;
      } catch (error) {
        observer.published(envelope.type, 'failed');
        throw error;
      }
    },
    subscribe(topics, consumerName, handler, options) {
      const maxDeliver = options?.maxDeliver ?? DEFAULT_DELIVERY_POLICY.maxDeliver;
      const observed: EventHandler<Topic> = async (envelope, context) => {
        const started = performance.now();
        const report = (outcome: HandledOutcome) =>
          observer.handled({ consumer: context.consumer, envelope, outcome, seconds: (performance.now() - started) / 1000, replay: context.replay });
        try {
          await (handler as EventHandler<Topic>)(envelope, context);
          report('ack');
        } catch (error) {
          if (!(error instanceof EventInProgressError)) report(context.deliveryCount >= maxDeliver ? 'dead-letter' : 'retry');
          throw error;
        }
      };
      return bus.subscribe(topics, consumerName, observed as typeof handler, options);
    },
    async replayDeadLetter(id) {
      // Replays are rare operator actions: reading the letter first to learn its age is affordable.
      const letter = (await bus.listDeadLetters()).find((candidate) => candidate.id === id);
      await bus.replayDeadLetter(id);
      if (letter)
        observer.replayed({ consumer: letter.consumer, topic: letter.envelope.type, seconds: Math.max(0, (Date.now() - Date.parse(letter.failedAt)) / 1000) });
    },
  };
}
