import type { AnyEnvelope } from './envelope.js';
import type { EventBus, EventLogger } from './event-bus.js';
import type { EventLogModel } from './event-log.js';
import type { OutboxModel, PendingEventsSource } from './outbox.js';

/** How a service's outbox relay is configured (startOutboxRelay). */
export interface OutboxRelayOptions {
  /** The service's outbox (`createOutboxModel`). */
  readonly model: OutboxModel;
  readonly bus: EventBus;
  /**
   * Pause between passes. Default 1000 ms. `announceEvents` on the outbox's connection starts a
   * pass at once over the announced source alone (and `poke()` over every source); the outbox
   * collection itself (way 2) is read by the timed passes.
   */
  readonly intervalMs?: number;
  /**
   * When set, the pause doubles after every pass that found nothing, up to this, and drops back to
   * `intervalMs` when a pass publishes. Local writes wake the relay anyway (`announceEvents`), so
   * the timer is only the safety net for other processes' writes and crashes; an idle service
   * need not sweep every second.
   */
  readonly idleIntervalMs?: number;
  /** Collections whose documents carry `pendingEvents` (way 1, `pendingEventsSource(model)`); swept before the outbox on each pass. */
  readonly sources?: readonly PendingEventsSource[];
  /**
   * Decides a HELD entry older than `holdTimeoutMs` (its writer died between holding the event and
   * releasing it): 'publish' if the state change happened, 'discard' if it did not, 'wait' to ask
   * again next pass. Without it such entries stay held and are logged once.
   */
  readonly resolveHeld?: (envelope: AnyEnvelope) => Promise<'publish' | 'discard' | 'wait'>;
  /** Default 30000 ms: well above the time between a service's hold and its release. */
  readonly holdTimeoutMs?: number;
  /**
   * Where published events are remembered for traces (`readEventTrail`). Default: the `event_log`
   * collection of the outbox's database; `false` keeps no log.
   */
  readonly eventLog?: EventLogModel | false;
  /** How long the event log keeps an entry. Default 30 days. */
  readonly eventLogRetentionMs?: number;
  /** Documents read per query. Default 100. */
  readonly batchSize?: number;
  readonly logger?: EventLogger;
}

export interface OutboxRelay {
  /** Runs one pass now (after the running one) and resolves with the number of events published. */
  runOnce(): Promise<number>;
  /** Asks for a pass as soon as possible, for example right after a write. */
  poke(): void;
  /** Stops the timer and waits for the running pass. */
  stop(): Promise<void>;
}
