import { intakeSaturated } from '../errors.js';

/** How long an accepted order counts towards the backlog without news of its decision (it may have been decided elsewhere). */
const FORGET_AFTER_MS = 60_000;
/** The window over which the decision rate (for the retry hint) is measured. */
const RATE_WINDOW_MS = 10_000;
/** Decisions the rate needs before it is trusted; until then (a burst's first refusals) callers come back after about this long. */
const RATE_MIN_SAMPLES = 5;
const UNMEASURED_RETRY_MS = 1000;

/**
 * Admission control for order intake, per process: new orders are admitted while this replica's
 * backlog (orders being placed, plus orders it accepted that are not decided yet) is under
 * `maxBacklog`. Past it a caller is refused at once, before anything is written, with a retryable
 * INTAKE_SATURATED and a hint of when to come back: the backlog divided by the recent decision
 * rate. A refused call wrote nothing, so retrying it with the same key is always safe.
 */
export class IntakeGate {
  private admitting = 0;
  private readonly undecided = new Map<string, number>();
  private readonly decidedAt: number[] = [];

  constructor(private readonly maxBacklog: number) {}

  /** Orders this replica is placing or waiting on. */
  get backlog(): number {
    this.forgetStale(Date.now());
    return this.admitting + this.undecided.size;
  }

  /**
   * Admits one new order or throws INTAKE_SATURATED. The returned function must be called once
   * the order is stored (with its id) or was not stored after all (without).
   */
  admit(): (acceptedOrderId?: string) => void {
    const backlog = this.backlog;
    if (backlog >= this.maxBacklog) throw intakeSaturated(this.retryAfterMs(backlog), backlog);
    this.admitting += 1;
    let settled = false;
    return (acceptedOrderId) => {
      if (settled) return;
      settled = true;
      this.admitting -= 1;
      if (acceptedOrderId) this.undecided.set(acceptedOrderId, Date.now());
    };
  }

  /** An order was decided (by this replica's consumer or another's): it leaves the backlog. */
  decided(orderId: string): void {
    if (!this.undecided.delete(orderId)) return;
    const now = Date.now();
    this.decidedAt.push(now);
    while (this.decidedAt.length > 0 && now - this.decidedAt[0]! > RATE_WINDOW_MS) this.decidedAt.shift();
  }

  /**
   * The time the recent decision rate needs to work off the whole backlog, within 0.5-30 s, with
   * jitter so that refused callers spread out instead of returning together. The rate is measured
   * over the span the recent decisions cover (not the whole window, which would understate a rate
   * that just started); with too few decisions to measure (the first refusals of a burst), callers
   * come back after about UNMEASURED_RETRY_MS, by when there is a rate to go by. (A rate of "at
   * least one a second" sent a burst's first refusals away for 30 s while the intake drained in a
   * few.)
   */
  private retryAfterMs(backlog: number): number {
    const now = Date.now();
    const recent = this.decidedAt.filter((at) => now - at <= RATE_WINDOW_MS);
    const jitter = 0.5 + Math.random();
    if (recent.length < RATE_MIN_SAMPLES) return Math.round(UNMEASURED_RETRY_MS * jitter);
    const spanSeconds = Math.max(1, (now - recent[0]!) / 1000);
    const estimate = (backlog / (recent.length / spanSeconds)) * 1000;
    return Math.round(Math.min(30_000, Math.max(500, estimate)) * jitter);
  }

  private forgetStale(now: number): void {
    for (const [orderId, acceptedAt] of this.undecided) {
      if (now - acceptedAt < FORGET_AFTER_MS) return; // Insertion order: the rest are younger.
      this.undecided.delete(orderId);
    }
  }
}
