// Why: scenario 6 drives two child processes (the pinned subscriber worker and the raw `ws`
// broadcast server) over Node's IPC channel; these are the commands and answers they share.

/** Commands to the subscriber worker (fan-out-worker.ts). */
export type WorkerCommand =
  /**
   * Opens `count` graphql-ws sockets to `url`, one subscription each (the realistic device shape).
   * With `distinctSkus`, subscriber i watches `[distinctSkus[i % length]]` as `skus` instead, and
   * its deliveries are keyed by eventKey(i % length, onHand).
   */
  | {
      readonly type: 'open-ours';
      readonly url: string;
      readonly token: string;
      readonly count: number;
      readonly query: string;
      readonly variables: Readonly<Record<string, unknown>>;
      readonly distinctSkus?: readonly string[];
    }
  /** Opens `count` plain `ws` sockets to the raw broadcast server. */
  | { readonly type: 'open-raw'; readonly url: string; readonly count: number }
  /** Forgets what was received so far (the start of a measured phase). */
  | { readonly type: 'reset' }
  /** How much has arrived since the last reset (for waiting until a phase is delivered). */
  | { readonly type: 'progress' }
  /**
   * The statistics of the phase: `sentAt` maps each event's key to when it was sent. With `groups`
   * (the length of distinctSkus), subscriber i expects only the events of group i % groups.
   */
  | { readonly type: 'stats'; readonly which: 'ours' | 'raw'; readonly sentAt: readonly (readonly [number, number])[]; readonly groups?: number }
  /** The exact bytes of the first graphql-ws `next` message subscriber 0 received. */
  | { readonly type: 'captured' }
  | { readonly type: 'close'; readonly which: 'ours' | 'raw' };

/** Commands to the raw broadcast server (fan-out-raw-server.ts). */
export type RawServerCommand =
  | { readonly type: 'listen' }
  /** The message every trigger broadcasts (a graphql-ws `next` captured from our gateway). */
  | { readonly type: 'message'; readonly text: string }
  /** Broadcasts the message `count` times back to back; answers each trigger's send time. */
  | { readonly type: 'trigger'; readonly count: number }
  | { readonly type: 'clients' }
  | { readonly type: 'close-clients' };

/** Keys of one group (one SKU of distinctSkus) lie in [group * KEY_SPAN, (group + 1) * KEY_SPAN). */
const KEY_SPAN = 2 ** 31;

/** The key of an availability update: its group (the watched SKU's index; 0 when all watch one) and the on-hand it reports. */
export const eventKey = (group: number, onHand: number): number => group * KEY_SPAN + onHand;

/** The group an event key belongs to. */
export const groupOfKey = (key: number): number => Math.floor(key / KEY_SPAN);

export interface OpenResult {
  readonly opened: number;
  readonly failed: number;
  readonly firstError: string | undefined;
  readonly ms: number;
}

export interface Progress {
  /** Deliveries since the last reset, per side. */
  readonly ours: number;
  readonly raw: number;
  /** The fewest deliveries any one subscriber of each side got since the reset. */
  readonly oursMinPerSubscriber: number;
  readonly rawMinPerSubscriber: number;
  /** graphql-ws errors and unexpected socket closes since the last reset. */
  readonly oursErrors: number;
  readonly rawErrors: number;
  readonly firstError: string | undefined;
}

/** One phase (steady or burst) of one side, computed in the worker from every delivery. */
export interface PhaseStats {
  readonly subscribers: number;
  readonly events: number;
  /** Deliveries whose key matched a sent event. */
  readonly delivered: number;
  readonly expected: number;
  /** Deliveries of events not sent in this phase (e.g. a reservation changing the level). */
  readonly unmatched: number;
  /** The same event twice on one subscriber. */
  readonly duplicates: number;
  /** Missing deliveries below a subscriber's newest one: coalesced (or lost). */
  readonly skipped: number;
  /** Missing deliveries above a subscriber's newest one: not arrived when the phase ended. */
  readonly late: number;
  /** graphql-ws errors (e.g. SLOW_CONSUMER) and unexpected closes during the phase. */
  readonly errors: number;
  readonly minPerSubscriber: number;
  readonly maxPerSubscriber: number;
  /** Delivery latency (receive - send) over every delivery, ms. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Per event: last receive - first receive across subscribers (the fan-out spread), ms. */
  readonly spreadMedianMs: number;
  readonly spreadMaxMs: number;
  /** Deliveries per second from the phase's first receive to its last. */
  readonly deliveriesPerSecond: number;
}
