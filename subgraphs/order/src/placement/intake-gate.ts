import { intakeSaturated } from '../errors.js';

/** How long an accepted order counts towards the backlog without news of its decision (it may have been decided elsewhere). */
const FORGET_AFTER_MS = 60_000;
/** The window over which the decision rate (for the retry hint) is measured. */
const RATE_WINDOW_MS = 10_000;
/**
 * Decisions, and the span they must cover, before the rate is trusted. A burst's first decisions
 * come faster and faster as the mesh warms up: a rate taken from the first few sent refused
 * callers away for 15-45 s while the intake drained in a few and then stood idle.
 */
const RATE_MIN_SAMPLES = 20;
const RATE_MIN_SPAN_MS = 1000;
/** Until the rate is trusted, refused callers come back after about this long. */
const UNMEASURED_RETRY_MS = 1000;
/** The smallest backlog the decision rate can shrink the intake to (a few slow decisions must not close it). */
const MIN_BACKLOG = 10;

/** The function an admitted caller calls once: with the order's id once it is stored, without if it was not stored. */
export type AdmissionSettlement = (acceptedOrderId?: string) => void;

interface WaitingCaller {
  readonly admit: (settle: AdmissionSettlement) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Admission control for order intake, per process. New orders are admitted while this replica's
 * backlog (orders being placed, plus orders it accepted that are not decided yet) is under its
 * limit (see `limit`). Past it a caller waits in line, first come first served, for at most its wait:
 * each decision that leaves the backlog admits the caller at the head of the line, so a burst
 * keeps the intake full without anyone polling. A caller not admitted by the end of its wait, or
 * one that would not be reached within it (the line is longer than the recent decision rate can
 * serve in that time), is refused with a retryable INTAKE_SATURATED and a hint of when to come
 * back. A refused call wrote nothing, so retrying it with the same key is always safe.
 */
export class IntakeGate {
  private admitting = 0;
  private readonly undecided = new Map<string, number>();
  private readonly decidedAt: number[] = [];
  private readonly line: WaitingCaller[] = [];

  /**
   * `queueWaitMs`: how long a caller may wait in line by default (0: refused at once when
   * saturated). `targetDecisionMs`: how long an accepted order should wait for its decision; once
   * the decision rate is known, the backlog admitted is what that rate decides in this time
   * (Little's law), between MIN_BACKLOG and `maxBacklog`, so that a slow mesh keeps fewer orders
   * waiting rather than letting each wait longer.
   */
  constructor(
    private readonly maxBacklog: number,
    private readonly queueWaitMs = 0,
    private readonly targetDecisionMs = Number.POSITIVE_INFINITY,
  ) {}

  /** The backlog admitted now: `maxBacklog`, or what the measured decision rate decides within the target. */
  get limit(): number {
    const rate = this.decisionRate();
    if (rate === null || !Number.isFinite(this.targetDecisionMs)) return this.maxBacklog;
    const served = Math.round((rate * this.targetDecisionMs) / 1000);
    return Math.max(Math.min(MIN_BACKLOG, this.maxBacklog), Math.min(this.maxBacklog, served));
  }

  /** Orders this replica is placing or waiting on. */
  get backlog(): number {
    this.forgetStale(Date.now());
    return this.admitting + this.undecided.size;
  }

  /**
   * How long an order accepted now should wait for its decision: the backlog at the recent
   * decision rate (Little's law); null while the rate is not trusted.
   */
  expectedDecisionMs(): number | null {
    const rate = this.decisionRate();
    return rate === null ? null : (this.backlog / rate) * 1000;
  }

  /** Callers waiting in line for admission. */
  get waiting(): number {
    return this.line.length;
  }

  /**
   * Admits one new order, at once or after waiting in line up to `waitMs`, or rejects with
   * INTAKE_SATURATED. The settlement must be called once the order is stored (with its id) or
   * was not stored after all (without).
   */
  admit(waitMs = this.queueWaitMs): Promise<AdmissionSettlement> {
    if (this.line.length === 0 && this.backlog < this.limit) return Promise.resolve(this.admitNow());
    const rate = this.decisionRate();
    // Those who would not be reached within their wait are told at once when to come back.
    const reachable = rate === null ? this.maxBacklog : (rate * waitMs) / 1000;
    if (waitMs <= 0 || this.line.length >= reachable) return Promise.reject(this.refusal());
    return new Promise((resolve, reject) => {
      const caller: WaitingCaller = {
        admit: resolve,
        timer: setTimeout(() => {
          const index = this.line.indexOf(caller);
          if (index === -1) return;
          this.line.splice(index, 1);
          reject(this.refusal());
        }, waitMs),
      };
      this.line.push(caller);
      this.admitWaiting(); // Room may have opened with no decision to announce it (a stale order forgotten).
    });
  }

  /** An order was decided (by this replica's consumer or another's): it leaves the backlog. */
  decided(orderId: string): void {
    if (!this.undecided.delete(orderId)) return;
    const now = Date.now();
    this.decidedAt.push(now);
    while (this.decidedAt.length > 0 && now - this.decidedAt[0]! > RATE_WINDOW_MS) this.decidedAt.shift();
    this.admitWaiting();
  }

  private admitNow(): AdmissionSettlement {
    this.admitting += 1;
    let settled = false;
    return (acceptedOrderId) => {
      if (settled) return;
      settled = true;
      this.admitting -= 1;
      if (acceptedOrderId) this.undecided.set(acceptedOrderId, Date.now());
      else this.admitWaiting(); // Not stored after all: its place goes to the next in line.
    };
  }

  /** Admits callers from the head of the line while the backlog has room. */
  private admitWaiting(): void {
    while (this.line.length > 0 && this.backlog < this.limit) {
      const caller = this.line.shift()!;
      clearTimeout(caller.timer);
      caller.admit(this.admitNow());
    }
  }

  private refusal() {
    const backlog = this.backlog;
    return intakeSaturated(this.retryAfterMs(backlog + this.line.length), backlog);
  }

  /** Decisions per second over the recent window, or null while too few to trust. */
  private decisionRate(): number | null {
    const now = Date.now();
    const recent = this.decidedAt.filter((at) => now - at <= RATE_WINDOW_MS);
    if (recent.length < RATE_MIN_SAMPLES || now - recent[0]! < RATE_MIN_SPAN_MS) return null;
    return recent.length / ((now - recent[0]!) / 1000);
  }

  /**
   * The time the recent decision rate needs to work off `ahead` orders, within 0.5-30 s, with
   * jitter so that refused callers spread out instead of returning together; about
   * UNMEASURED_RETRY_MS while the rate is not yet trusted.
   */
  private retryAfterMs(ahead: number): number {
    const jitter = 0.5 + Math.random();
    const rate = this.decisionRate();
    if (rate === null) return Math.round(UNMEASURED_RETRY_MS * jitter);
    const estimate = (ahead / rate) * 1000;
    return Math.round(Math.min(30_000, Math.max(500, estimate)) * jitter);
  }

  private forgetStale(now: number): void {
    let forgot = false;
    for (const [orderId, acceptedAt] of this.undecided) {
      if (now - acceptedAt < FORGET_AFTER_MS) break; // Insertion order: the rest are younger.
      this.undecided.delete(orderId);
      forgot = true;
    }
    if (forgot && this.line.length > 0) queueMicrotask(() => this.admitWaiting());
  }
}
