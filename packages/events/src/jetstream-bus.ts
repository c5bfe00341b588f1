import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { parseEnvelope, type EnvelopeOf } from './envelope.js';
import { tracePublish } from './event-tracing.js';
import {
  deliveryPolicyOf,
  partitioningOf,
  silentLogger,
  type EventBus,
  type EventHandler,
  type EventLogger,
  type Partitioning,
  type PublishResult,
  type SubscribeOptions,
  type Subscription,
} from './event-bus.js';
import type { KeyedLanes } from './keyed-lanes.js';
import { createDeadLetterStore, type DeadLetterStore } from './jetstream-dead-letters.js';
import { createPullConsumer, type BusSettings } from './jetstream-pull-consumer.js';
import { durableBacklog, ensureConsumer, ensureStreams, streamNameOf } from './jetstream-streams.js';
import type { Domain } from './payloads/common.payloads.js';
import { domainOf, isTopic, type Topic } from './topics.js';
import { connectNats } from './nats-connection.js';

// Moved to jetstream-streams.ts; re-exported so the package's surface is unchanged.
export { DEFAULT_EVENT_RETENTION_MS, durableBacklog, streamNameOf } from './jetstream-streams.js';

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
   * Events one pull of a subscription asks for (at least its `concurrency`). Default
   * DEFAULT_FETCH_BATCH. A pull is answered event by event as they arrive, so this costs no
   * latency; it bounds how many delivered events wait in the process for a free lane, their ack
   * wait running. At 1, every event cost a pull of its own: the mesh's NATS and fan-out CPU per
   * order fell by ~40% at 16-32 (bench/results/intake-10).
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

/** Events one pull asks for by default (JetStreamBusOptions.fetchBatch). */
export const DEFAULT_FETCH_BATCH = 16;

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
  const fetchBatch = options.fetchBatch ?? DEFAULT_FETCH_BATCH;
  if (!Number.isInteger(fetchBatch) || fetchBatch < 1) throw new RangeError(`fetchBatch must be a whole number of at least 1, got ${fetchBatch}`);
  const nc = await connectNats(options);
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

/** Whether a nats-server of `version` (x.y.z) takes `filter_subjects` (2.10 and later). */
export function serverTakesFilterLists(version: string | undefined): boolean {
  const [major = 0, minor = 0] = (version ?? '').split('.').map(Number);
  return major > 2 || (major === 2 && minor >= 10);
}

function createBus(nc: NatsConnection, js: JetStreamClient, jsm: JetStreamManager, deadLetters: DeadLetterStore, settings: BusSettings): EventBus {
  const { logger, defaultDelivery } = settings;
  const subscriptions = new Set<Subscription>();
  /** Every (domain, durable) this bus subscribed, for consumerBacklog. */
  const durables = new Map<string, { readonly domain: Domain; readonly consumer: string }>();
  const { unwrap, handle, pullLoop } = createPullConsumer(nc, js, deadLetters, settings);

  return {
    async publish<T extends Topic>(envelope: EnvelopeOf<T>): Promise<PublishResult> {
      if (!isTopic(envelope.type)) throw new RangeError(`unknown topic ${String(envelope.type)}`);
      const json = JSON.stringify(envelope);
      parseEnvelope(JSON.parse(json)); // Refuse what no consumer could read, as the memory bus does.
      const ack = await tracePublish(envelope, () => js.publish(envelope.type, json, { msgID: envelope.id }));
      return { duplicate: ack.duplicate };
    },

    async subscribe<T extends Topic>(
      topics: T | readonly T[],
      consumerName: string,
      handler: EventHandler<T>,
      options: SubscribeOptions<T> = {},
    ): Promise<Subscription> {
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
      // One durable per domain stream. A server from 2.10 on takes a list of filter subjects, so
      // it delivers only the subscribed topics; an older one takes one, the whole domain, and the
      // topics outside the subscription are delivered, acknowledged and skipped (unwrap).
      const filtersTopics = serverTakesFilterLists(nc.info?.version);
      for (const domain of domains) {
        durables.set(`${domain}|${consumerName}`, { domain, consumer: consumerName });
        const domainTopics = list.filter((topic) => domainOf(topic) === domain);
        await ensureConsumer(jsm, streamNameOf(domain), {
          durable_name: consumerName,
          description: `topics: ${domainTopics.join(', ')}`,
          ...(filtersTopics ? { filter_subjects: [...domainTopics] } : { filter_subject: `${domain}.>` }),
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
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
      // A stuck member hands an event back at once (nak: the server counts the delivery, as it counts
      // one cut short by a crash); one on its spare delivery is dead-lettered here, its handler not run.
      const giveBack = (message: JsMsg) => {
        if (message.info.deliveryCount <= policy.maxDeliver) {
          message.nak();
          return;
        }
        const unwrapped = unwrap(message, wanted, consumerName);
        if (unwrapped) void handle(message, unwrapped.envelope, unwrapped.replayFor, consumerName, handler as EventHandler<Topic>, policy, abort.signal);
      };
      const loops = domains.map((domain) =>
        pullLoop(streamNameOf(domain), consumerName, partitioning.concurrency, policy.ackWaitMs / 2, start, giveBack, abort.signal),
      );
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
