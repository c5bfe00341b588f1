import { setTimeout as sleep } from 'node:timers/promises';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
  type Consumer,
  type ConsumerConfig,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type StreamConfig,
} from '@nats-io/jetstream';
import { parseEnvelope, type AnyEnvelope, type EnvelopeOf } from './envelope.js';
import { runDelivery } from './delivery.js';
import { tracePublish } from './event-tracing.js';
import {
  deliveryPolicyOf,
  partitioningOf,
  silentLogger,
  type DeliveryPolicy,
  type EventBus,
  type EventHandler,
  type EventLogger,
  type Partitioning,
  type PublishResult,
  type SubscribeOptions,
  type Subscription,
} from './event-bus.js';
import { KeyedLanes } from './keyed-lanes.js';
import { createDeadLetterStore, DEAD_LETTER_STREAM, DEAD_LETTER_SUBJECTS, REPLAY_FOR_HEADER, type DeadLetterStore } from './jetstream-dead-letters.js';
import { DOMAINS, type Domain } from './payloads/common.payloads.js';
import { domainOf, isTopic, type Topic } from './topics.js';

export interface JetStreamBusOptions {
  /** NATS server URL(s), for example `nats://127.0.0.1:4222`. */
  readonly servers: string | readonly string[];
  /** Connection name shown by the server (for example the service name). */
  readonly name?: string;
  /** How long the streams remember message ids to drop duplicate publishes. Default 10 minutes. */
  readonly duplicateWindowMs?: number;
  /**
   * How long the domain streams keep events (JetStream `max_age`): the window in which a durable
   * consumer may lag and a live subscriber may resume from its cursor. Older events are removed.
   * Default DEFAULT_EVENT_RETENTION_MS (72 hours); 0 keeps them for ever.
   */
  readonly maxAgeMs?: number;
  /** Stream replicas (a cluster may use 3). Default 1. */
  readonly replicas?: number;
  /** How long a publish waits for the server's acknowledgement. Default 5000 ms. */
  readonly publishTimeoutMs?: number;
  /**
   * How long one pull waits for events before asking again. Default 10000 ms: events are handed
   * over the moment they arrive whatever this is, so it only sets how often an idle consumer asks
   * again (with a heartbeat every half of it), which was a large part of the mesh's CPU at rest at
   * 1 s. `stop()` ends a waiting pull at once.
   */
  readonly pullExpiresMs?: number;
  /**
   * Events fetched per pull by a subscription at concurrency 1, handled in order one at a time.
   * Default 1: nothing waits in a buffer while its ack wait runs, and members of one consumer share
   * events evenly. 10 roughly doubles throughput (measured: about 1,300 against 2,500 events a
   * second for one member on two cores). A subscription with `concurrency` above 1 pulls as many
   * as it has free slots instead.
   */
  readonly fetchBatch?: number;
  /**
   * The retries every subscription of this bus starts from (a subscription's own options win):
   * an operator's setting for the whole process. Default: the bus's (5 deliveries, backoff
   * [1000, 5000, 15000, 30000] ms).
   */
  readonly defaultDelivery?: Pick<SubscribeOptions, 'maxDeliver' | 'backoffMs'>;
  readonly logger?: EventLogger;
}

/** How long the domain streams keep events unless configured (EVENT_RETENTION_HOURS): 72 hours. */
export const DEFAULT_EVENT_RETENTION_MS = 72 * 3600 * 1000;

/** The stream a domain's events are stored in: `EVENTS_<DOMAIN>`, subjects `<domain>.>`. */
export function streamNameOf(domain: Domain): string {
  return `EVENTS_${domain.toUpperCase()}`;
}

/**
 * How far a durable is behind its domain's stream: events not yet delivered to it plus those
 * delivered and not yet acknowledged. 0 means it settled every event published before the call,
 * the ones its handler skipped without a trace of its own included.
 */
export async function durableBacklog(jsm: JetStreamManager, domain: Domain, consumer: string): Promise<number> {
  const info = await jsm.consumers.info(streamNameOf(domain), consumer);
  return info.num_pending + info.num_ack_pending;
}

/**
 * Connects to NATS and returns the production EventBus. It creates or updates one file-backed
 * stream per domain (subjects `<domain>.>`, topics are subjects) with a duplicate window for
 * `Nats-Msg-Id` de-duplication, and the `DEAD_LETTERS` stream. Each consumer name becomes one
 * durable pull consumer per domain stream (explicit ack, `ack_wait`, `max_deliver`), shared by
 * every process that uses the name. The client reconnects for ever; publishes made while the
 * server is away reject after `publishTimeoutMs`, and pulls resume when it is back.
 */
export async function connectJetStreamBus(options: JetStreamBusOptions): Promise<EventBus> {
  const logger = options.logger ?? silentLogger;
  const pullExpiresMs = Math.max(1000, options.pullExpiresMs ?? 10_000);
  const fetchBatch = options.fetchBatch ?? 1;
  const nc = await connect({
    servers: typeof options.servers === 'string' ? options.servers : [...options.servers],
    ...(options.name ? { name: options.name } : {}),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
  });
  try {
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc, { timeout: options.publishTimeoutMs ?? 5000 });
    await ensureStreams(jsm, options);
    const deadLetters = createDeadLetterStore(js, jsm);
    return createBus(nc, js, jsm, deadLetters, { pullExpiresMs, fetchBatch, defaultDelivery: options.defaultDelivery ?? {}, logger });
  } catch (error) {
    await nc.close();
    throw error;
  }
}

async function ensureStreams(jsm: JetStreamManager, options: JetStreamBusOptions): Promise<void> {
  const common = {
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    num_replicas: options.replicas ?? 1,
    duplicate_window: nanos(options.duplicateWindowMs ?? 10 * 60_000),
  };
  const maxAgeMs = options.maxAgeMs ?? DEFAULT_EVENT_RETENTION_MS;
  const streams: Partial<StreamConfig>[] = DOMAINS.map((domain) => ({
    ...common,
    name: streamNameOf(domain),
    subjects: [`${domain}.>`],
    max_age: nanos(maxAgeMs),
    // JetStream refuses a duplicate window longer than the retention.
    ...(maxAgeMs > 0 ? { duplicate_window: nanos(Math.min(maxAgeMs, options.duplicateWindowMs ?? 10 * 60_000)) } : {}),
  }));
  streams.push({ ...common, name: DEAD_LETTER_STREAM, subjects: [DEAD_LETTER_SUBJECTS], max_age: 0 });
  for (const config of streams) {
    const name = config.name!;
    try {
      await jsm.streams.info(name);
      await jsm.streams.update(name, config);
    } catch (error) {
      if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
      await jsm.streams.add({ ...config, name });
    }
  }
}

interface BusSettings {
  readonly pullExpiresMs: number;
  readonly fetchBatch: number;
  readonly defaultDelivery: Pick<SubscribeOptions, 'maxDeliver' | 'backoffMs'>;
  readonly logger: EventLogger;
}

function createBus(nc: NatsConnection, js: JetStreamClient, jsm: JetStreamManager, deadLetters: DeadLetterStore, settings: BusSettings): EventBus {
  const { logger, defaultDelivery } = settings;
  const subscriptions = new Set<Subscription>();
  /** Every (domain, durable) this bus subscribed, for consumerBacklog. */
  const durables = new Map<string, { readonly domain: Domain; readonly consumer: string }>();
  /** First failure per (consumer, stream, seq) while its retries run in this process; bounded. */
  const firstFailures = new Map<string, string>();
  const FIRST_FAILURES_KEPT = 10_000;

  async function ensureConsumer(stream: string, config: Partial<ConsumerConfig> & { durable_name: string }): Promise<void> {
    try {
      await jsm.consumers.add(stream, config);
    } catch (error) {
      if (!(error instanceof JetStreamApiError) || error.code === JetStreamApiCodes.StreamNotFound) throw error;
      // The durable exists with other settings (a new deployment changed them): update what may change.
      const { ack_wait, max_deliver, max_ack_pending, description } = config;
      await jsm.consumers.update(stream, config.durable_name, { ack_wait, max_deliver, max_ack_pending, description });
    }
  }

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

  async function handle(message: JsMsg, envelope: AnyEnvelope, replayFor: string | undefined, consumerName: string, handler: EventHandler<Topic>, policy: DeliveryPolicy, stopping: AbortSignal): Promise<void> {
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
      logger.warn({ consumer: consumerName, eventId: envelope.id, type: envelope.type, delivery: context.deliveryCount, error: outcome.error.message }, 'event handler failed; will retry');
      message.nak(outcome.delayMs);
    } else {
      try {
        const source = { stream: message.info.stream, seq: message.info.streamSequence };
        const letter = { consumer: consumerName, envelope, error: outcome.error, deliveries: outcome.deliveries, ...(firstFailedAt ? { firstFailedAt } : {}) };
        const id = await deadLetters.add(letter, source);
        logger.error({ consumer: consumerName, eventId: envelope.id, type: envelope.type, deadLetterId: id, error: outcome.error.message }, 'event dead-lettered');
        message.term();
      } catch (error) {
        // Not recorded: leave it unacknowledged; the spare delivery (max_deliver + 1) tries again.
        logger.error({ consumer: consumerName, eventId: envelope.id, err: error }, 'could not record a dead letter');
        message.nak(policy.backoffMs[0]);
      }
    }
  }

  /**
   * Pulls one domain stream for a subscription. At concurrency 1 it fetches `fetchBatch` and
   * handles them one by one, as it always did; above 1 it fetches up to `concurrency` and hands
   * each message to its partition's lane as a lane frees, without waiting for it to settle.
   */
  function pullLoop(stream: string, consumerName: string, concurrency: number, start: (message: JsMsg, lanes: KeyedLanes) => void, stopping: AbortSignal): Promise<void> {
    const lanes = new KeyedLanes(concurrency);
    // Above 1, a pull asks for a whole lane set's worth even when few lanes are free: those beyond
    // the free lanes wait here for one (their ack wait running). Asking only for the free lanes cost
    // a pull (a new inbox, a request, an unsubscribe) per event whenever the lanes were busy.
    const batchSize = () => (concurrency === 1 ? settings.fetchBatch : concurrency);
    return (async () => {
      let failures = 0;
      let consumer: Consumer | null = null;
      while (!stopping.aborted) {
        try {
          await lanes.whenFree();
          if (stopping.aborted) break;
          consumer ??= await js.consumers.get(stream, consumerName);
          const batch = await consumer.fetch({ max_messages: batchSize(), expires: settings.pullExpiresMs });
          // stop() ends a pull that is still waiting for events; everything it yielded is handled.
          const endPull = () => void batch.stop();
          stopping.addEventListener('abort', endPull, { once: true });
          try {
            for await (const message of batch) {
              await lanes.whenFree();
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

  return {
    async publish<T extends Topic>(envelope: EnvelopeOf<T>): Promise<PublishResult> {
      if (!isTopic(envelope.type)) throw new RangeError(`unknown topic ${String(envelope.type)}`);
      const json = JSON.stringify(envelope);
      parseEnvelope(JSON.parse(json)); // Refuse what no consumer could read, as the memory bus does.
      const ack = await tracePublish(envelope, () => js.publish(envelope.type, json, { msgID: envelope.id }));
      return { duplicate: ack.duplicate };
    },

    async subscribe<T extends Topic>(topics: T | readonly T[], consumerName: string, handler: EventHandler<T>, options: SubscribeOptions<T> = {}): Promise<Subscription> {
      const list: readonly T[] = typeof topics === 'string' ? [topics] : [...new Set(topics)];
      for (const topic of list) if (!isTopic(topic)) throw new RangeError(`unknown topic ${String(topic)}`);
      const policy = deliveryPolicyOf(consumerName, list, {
        ...(options.ackWaitMs !== undefined ? { ackWaitMs: options.ackWaitMs } : {}),
        maxDeliver: options.maxDeliver ?? defaultDelivery.maxDeliver,
        backoffMs: options.backoffMs ?? defaultDelivery.backoffMs,
      });
      const partitioning: Partitioning = partitioningOf(options as SubscribeOptions, logger);
      const wanted: ReadonlySet<Topic> = new Set(list);
      const domains = [...new Set(list.map(domainOf))];
      // One durable per domain stream. Its filter is the whole domain (servers before 2.10 take one
      // filter subject); topics outside the subscription are acknowledged and skipped.
      for (const domain of domains) {
        durables.set(`${domain}|${consumerName}`, { domain, consumer: consumerName });
        await ensureConsumer(streamNameOf(domain), {
          durable_name: consumerName,
          description: `topics: ${list.filter((topic) => domainOf(topic) === domain).join(', ')}`,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          filter_subject: `${domain}.>`,
          ack_wait: nanos(policy.ackWaitMs),
          // One spare delivery: the one that dead-letters an event whose last attempt never settled.
          max_deliver: policy.maxDeliver + 1,
          // Exclusive: the server hands out the next event only once the last one is settled, whichever member had it.
          max_ack_pending: (options as SubscribeOptions).exclusive ? 1 : 1000,
        });
      }
      const abort = new AbortController();
      // Each stream's loop has its own lanes (at concurrency 1 each stream is handled one at a time, as before).
      const start = (message: JsMsg, lanes: KeyedLanes) => {
        const unwrapped = unwrap(message, wanted, consumerName);
        if (!unwrapped) return;
        const { envelope, replayFor } = unwrapped;
        void lanes.run(partitioning.keyOf(envelope), (waited) => {
          if (waited) message.working(); // It queued behind its key: restart its ack wait now it runs.
          return handle(message, envelope, replayFor, consumerName, handler as EventHandler<Topic>, policy, abort.signal);
        });
      };
      const loops = domains.map((domain) => pullLoop(streamNameOf(domain), consumerName, partitioning.concurrency, start, abort.signal));
      const subscription: Subscription = {
        consumer: consumerName,
        topics: list,
        async stop() {
          abort.abort();
          subscriptions.delete(subscription);
          await Promise.all(loops);
        },
      };
      subscriptions.add(subscription);
      return subscription;
    },

    listDeadLetters: (filter = {}) => deadLetters.list(filter.consumer),

    async consumerBacklog() {
      const found = await Promise.all(
        [...durables.values()].map(async ({ domain, consumer }) => {
          try {
            return [{ consumer, domain, pending: await durableBacklog(jsm, domain, consumer) }];
          } catch {
            return []; // Deleted, or the server is away: nothing to report this time.
          }
        }),
      );
      return found.flat();
    },

    async replayDeadLetter(id: string): Promise<void> {
      await deadLetters.replay(id);
    },

    async close(): Promise<void> {
      await Promise.all([...subscriptions].map((subscription) => subscription.stop()));
      if (!nc.isClosed()) await nc.drain();
    },
  };
}
