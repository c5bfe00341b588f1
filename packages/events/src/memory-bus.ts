import { randomUUID } from 'node:crypto';
import { type AnyEnvelope, type EnvelopeOf, parseEnvelope, storedEnvelope } from './envelope.js';
import { runDelivery } from './delivery.js';
import {
  DeadLetterNotFoundError,
  deliveryPolicyOf,
  partitioningOf,
  silentLogger,
  type DeadLetter,
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
import { domainOf, isTopic, type Topic } from './topics.js';

interface LoggedEvent {
  readonly seq: number;
  readonly envelope: AnyEnvelope;
  /** Set for a dead-letter replay: only this consumer receives it. */
  readonly replayFor?: string;
}

interface Pending {
  readonly event: LoggedEvent;
  readonly deliveryCount: number;
  readonly dueAt: number;
  /** When its first delivery failed (ISO 8601), once one did. */
  readonly firstFailedAt?: string;
}

interface Member {
  readonly handler: EventHandler<Topic>;
  readonly partitioning: Partitioning;
  /** Its deliveries in flight, `partitioning.concurrency` at most. */
  readonly lanes: KeyedLanes;
  /** Aborted by stop() or close(): a delivery waiting on a busy fact gives it back. */
  readonly stopping: AbortController;
  stopped: boolean;
}

interface Durable {
  readonly name: string;
  topics: ReadonlySet<Topic>;
  policy: DeliveryPolicy;
  /** Index into the log of the next event this consumer has not yet been given. */
  cursor: number;
  retries: Pending[];
  members: Member[];
  nextMember: number;
  timer: NodeJS.Timeout | null;
}

/**
 * The state memory buses share: the event log, the durable consumers' positions and the dead
 * letters. Buses created on one broker behave like processes connected to one server.
 */
export interface MemoryBroker {
  readonly duplicateWindowMs: number;
}

interface BrokerState extends MemoryBroker {
  readonly log: LoggedEvent[];
  /** Envelope id to the time it was accepted, oldest first. */
  readonly seen: Map<string, number>;
  readonly durables: Map<string, Durable>;
  readonly deadLetters: Map<string, DeadLetter>;
}

/** A broker whose de-duplication window is `duplicateWindowMs` (default 10 minutes). */
export function createMemoryBroker(options: { duplicateWindowMs?: number } = {}): MemoryBroker {
  const state: BrokerState = {
    duplicateWindowMs: options.duplicateWindowMs ?? 10 * 60_000,
    log: [],
    seen: new Map(),
    durables: new Map(),
    deadLetters: new Map(),
  };
  return state;
}

/**
 * An EventBus inside one process, for the embedded default and tests. It keeps the JetStream
 * adapter's semantics: de-duplication by envelope id within the window, durable consumers that
 * start at the first event and resume where they stopped, competing members, keyed concurrency
 * per member, redelivery with backoff up to `maxDeliver`, and dead letters with replay. "Durable" means for the life of the
 * broker (the process): nothing is written to disk, and the log is kept whole.
 */
export function createMemoryBus(options: { broker?: MemoryBroker; logger?: EventLogger } = {}): EventBus {
  const broker = (options.broker ?? createMemoryBroker()) as BrokerState;
  const logger = options.logger ?? silentLogger;
  const ownMembers = new Set<{ durable: Durable; member: Member }>();
  /** Every durable this bus subscribed, stopped ones too (consumerBacklog). */
  const subscribedDurables = new Set<Durable>();

  function pump(durable: Durable): void {
    for (;;) {
      const member = idleMember(durable);
      if (!member) return;
      const pending = takeNext(durable);
      if (!pending) return scheduleRetry(durable);
      const key = member.partitioning.keyOf(pending.event.envelope);
      void member.lanes.run(key, () => deliver(durable, member, pending)).then(() => pump(durable));
    }
  }

  function idleMember(durable: Durable): Member | undefined {
    const count = durable.members.length;
    for (let step = 0; step < count; step++) {
      const index = (durable.nextMember + step) % count;
      const member = durable.members[index];
      if (member && member.lanes.free > 0 && !member.stopped) {
        durable.nextMember = (index + 1) % count;
        return member;
      }
    }
    return undefined;
  }

  function takeNext(durable: Durable): Pending | undefined {
    const now = Date.now();
    const due = durable.retries.findIndex((retry) => retry.dueAt <= now);
    if (due >= 0) return durable.retries.splice(due, 1)[0];
    while (durable.cursor < broker.log.length) {
      const event = broker.log[durable.cursor++];
      if (event && wants(durable, event)) return { event, deliveryCount: 1, dueAt: now };
    }
    return undefined;
  }

  function wants(durable: Durable, event: LoggedEvent): boolean {
    return durable.topics.has(event.envelope.type) && (event.replayFor === undefined || event.replayFor === durable.name);
  }

  function scheduleRetry(durable: Durable): void {
    if (durable.timer || durable.retries.length === 0) return;
    const wait = Math.max(0, Math.min(...durable.retries.map((retry) => retry.dueAt)) - Date.now());
    durable.timer = setTimeout(() => {
      durable.timer = null;
      pump(durable);
    }, wait);
    durable.timer.unref();
  }

  async function deliver(durable: Durable, member: Member, pending: Pending): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    const { envelope, replayFor } = pending.event;
    const context = { consumer: durable.name, deliveryCount: pending.deliveryCount, replay: replayFor !== undefined };
    const outcome = await runDelivery(member.handler, envelope, context, durable.policy, { inProgress: () => {}, stopping: member.stopping.signal });
    if (outcome.kind === 'retry' && !outcome.counted) {
      durable.retries.push({ ...pending, dueAt: Date.now() });
      scheduleRetry(durable);
      return;
    }
    const firstFailedAt = pending.firstFailedAt ?? new Date().toISOString();
    if (outcome.kind === 'retry') {
      durable.retries.push({ event: pending.event, deliveryCount: pending.deliveryCount + 1, dueAt: Date.now() + outcome.delayMs, firstFailedAt });
      scheduleRetry(durable);
    } else if (outcome.kind === 'dead-letter') {
      const id = randomUUID();
      const { error, deliveries } = outcome;
      broker.deadLetters.set(id, { id, consumer: durable.name, envelope, error, deliveries, firstFailedAt, failedAt: new Date().toISOString() });
      logger.error({ consumer: durable.name, eventId: envelope.id, type: envelope.type, deadLetterId: id, error: error.message }, 'event dead-lettered');
    }
  }

  function append(envelope: AnyEnvelope, replayFor?: string): void {
    const event: LoggedEvent = { seq: broker.log.length + 1, envelope, ...(replayFor ? { replayFor } : {}) };
    broker.log.push(event);
    for (const durable of broker.durables.values()) if (wants(durable, event)) pump(durable);
  }

  function forgetExpiredIds(now: number): void {
    for (const [id, acceptedAt] of broker.seen) {
      if (now - acceptedAt < broker.duplicateWindowMs) return;
      broker.seen.delete(id);
    }
  }

  return {
    async publish<T extends Topic>(envelope: EnvelopeOf<T>): Promise<PublishResult> {
      if (!isTopic(envelope.type)) throw new RangeError(`unknown topic ${String(envelope.type)}`);
      const now = Date.now();
      forgetExpiredIds(now);
      if (broker.seen.has(envelope.id)) return { duplicate: true };
      // Through JSON, exactly as the wire would carry it: no shared references, no Dates.
      const copy = parseEnvelope(storedEnvelope(envelope));
      broker.seen.set(envelope.id, now);
      append(copy);
      return { duplicate: false };
    },

    async subscribe<T extends Topic>(topics: T | readonly T[], consumerName: string, handler: EventHandler<T>, options = {}): Promise<Subscription> {
      const list: readonly T[] = typeof topics === 'string' ? [topics] : [...new Set(topics)];
      for (const topic of list) if (!isTopic(topic)) throw new RangeError(`unknown topic ${String(topic)}`);
      const policy = deliveryPolicyOf(consumerName, list, options);
      const partitioning = partitioningOf(options as SubscribeOptions, logger);
      let durable = broker.durables.get(consumerName);
      if (!durable) {
        durable = { name: consumerName, topics: new Set(list), policy, cursor: 0, retries: [], members: [], nextMember: 0, timer: null };
        broker.durables.set(consumerName, durable);
      } else {
        durable.topics = new Set(list);
        durable.policy = policy;
      }
      // The handler only ever sees its own topics (`wants` filters), so widening its type is safe.
      const member: Member = {
        handler: handler as EventHandler<Topic>,
        partitioning,
        lanes: new KeyedLanes(partitioning.concurrency),
        stopping: new AbortController(),
        stopped: false,
      };
      durable.members.push(member);
      const owned = { durable, member };
      ownMembers.add(owned);
      subscribedDurables.add(owned.durable);
      pump(durable);
      const target = durable;
      return {
        consumer: consumerName,
        topics: list,
        async stop() {
          member.stopped = true;
          member.stopping.abort();
          target.members = target.members.filter((other) => other !== member);
          ownMembers.delete(owned);
          await member.lanes.idle();
        },
      };
    },

    async consumerBacklog() {
      return [...subscribedDurables].flatMap((durable) => {
        const byDomain = new Map<string, number>();
        const count = (envelope: AnyEnvelope) => byDomain.set(domainOf(envelope.type), (byDomain.get(domainOf(envelope.type)) ?? 0) + 1);
        for (const event of broker.log.slice(durable.cursor)) if (wants(durable, event)) count(event.envelope);
        for (const retry of durable.retries) count(retry.event.envelope);
        for (const domain of new Set([...durable.topics].map(domainOf))) byDomain.set(domain, byDomain.get(domain) ?? 0);
        return [...byDomain].map(([domain, pending]) => ({ consumer: durable.name, domain, pending }));
      });
    },

    async listDeadLetters(filter = {}): Promise<DeadLetter[]> {
      return [...broker.deadLetters.values()].filter((letter) => !filter.consumer || letter.consumer === filter.consumer);
    },

    async replayDeadLetter(id: string): Promise<void> {
      const letter = broker.deadLetters.get(id);
      if (!letter) throw new DeadLetterNotFoundError(id);
      broker.deadLetters.delete(id);
      append(letter.envelope, letter.consumer);
    },

    async close(): Promise<void> {
      const owned = [...ownMembers];
      ownMembers.clear();
      for (const { durable, member } of owned) {
        member.stopped = true;
        member.stopping.abort();
        durable.members = durable.members.filter((other) => other !== member);
      }
      await Promise.all(owned.map(({ member }) => member.lanes.idle()));
      for (const durable of broker.durables.values()) {
        if (durable.members.length === 0 && durable.timer) {
          clearTimeout(durable.timer);
          durable.timer = null;
        }
      }
    },
  };
}
