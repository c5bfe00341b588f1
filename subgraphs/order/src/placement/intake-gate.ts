import { intakeSaturated } from '../errors.js';
import { DecisionRate } from './decision-rate.js';

/** How long an accepted order counts towards the backlog without news of its decision (it may have been decided elsewhere). */
const FORGET_AFTER_MS = 60_000;
/** Until the rate is trusted, refused callers come back after about this long. */
const UNMEASURED_RETRY_MS = 1000;
/**
 * The longest a refused caller is told to stay away, before jitter. The rate a hint divides by is
 * a 10 s history, and in a cold mesh's first seconds of a rush it reads far below what the mesh
 * decides a few seconds later: hints of 8-41 s given then left the mesh half idle for the rest of
 * a flash sale (21-47 s to all final against 14-17 s). A caller back too early costs one refusal;
 * one back too late leaves an admission unused.
 */
const MAX_RETRY_MS = 5000;
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
  private readonly rate: DecisionRate;
  private readonly line: WaitingCaller[] = [];

  /**
   * `queueWaitMs`: how long a caller may wait in line by default (0: refused at once when
   * saturated). `targetDecisionMs`: how long an accepted order should wait for its decision in
   * line behind others; once the decision rate is known, the backlog admitted is what that rate
   * decides in this time plus the time a decision takes with nothing ahead of it (Little's law),
   * between MIN_BACKLOG and `maxBacklog`, so that a queued mesh keeps fewer orders waiting rather
   * than letting each wait longer. `now`: the clock (tests step their own).
   */
  constructor(
    private readonly maxBacklog: number,
    private readonly queueWaitMs = 0,
    private readonly targetDecisionMs = Number.POSITIVE_INFINITY,
    private readonly now: () => number = Date.now,
  ) {
    this.rate = new DecisionRate(now);
  }

  /**
   * The backlog admitted now: `maxBacklog`, or what the measured decision rate decides within the
   * target plus the quickest recent decision. That quickest one is a decision's own time, with no
   * queue in front of it: on a cold mesh (its first few hundred orders) every decision takes 1-2 s
   * however few wait, and a limit from the target alone refused a handful of callers as if
   * they were queued (placeOrder p99 2.2-2.6 s at 25 clients, each one a refusal waited out).
   */
  get limit(): number {
    const rate = this.rate.perSecond();
    if (rate === null || !Number.isFinite(this.targetDecisionMs)) return this.maxBacklog;
    const served = Math.round((rate * (this.targetDecisionMs + this.rate.quickestMs())) / 1000);
    return Math.max(Math.min(MIN_BACKLOG, this.maxBacklog), Math.min(this.maxBacklog, served));
  }

  /** Orders this replica is placing or waiting on. */
  get backlog(): number {
    this.forgetStale(this.now());
    return this.admitting + this.undecided.size;
  }

  /**
   * How long an order accepted now should wait for its decision: the backlog at the recent
   * decision rate (Little's law); null while the rate is not trusted.
   */
  expectedDecisionMs(): number | null {
    const rate = this.rate.perSecond();
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
    const rate = this.rate.perSecond();
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
    const acceptedAt = this.undecided.get(orderId);
    if (acceptedAt === undefined) return;
    this.undecided.delete(orderId);
    this.rate.decided(this.now() - acceptedAt);
    this.noteIfIdle();
    this.admitWaiting();
  }

  private admitNow(): AdmissionSettlement {
    if (this.admitting === 0 && this.undecided.size === 0) this.rate.busy();
    this.admitting += 1;
    let settled = false;
    return (acceptedOrderId) => {
      if (settled) return;
      settled = true;
      this.admitting -= 1;
      if (acceptedOrderId) this.undecided.set(acceptedOrderId, this.now());
      else {
        this.noteIfIdle();
        this.admitWaiting(); // Not stored after all: its place goes to the next in line.
      }
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

  /** Tells the rate when nothing is placing or undecided: that time is not counted as deciding slowly. */
  private noteIfIdle(): void {
    if (this.admitting === 0 && this.undecided.size === 0) this.rate.idle();
  }

  /**
   * The time the recent decision rate needs to work off `ahead` orders, within 0.5-5 s, with
   * jitter so that refused callers spread out instead of returning together; about
   * UNMEASURED_RETRY_MS while the rate is not yet trusted.
   */
  private retryAfterMs(ahead: number): number {
    const jitter = 0.5 + Math.random();
    const rate = this.rate.perSecond();
    if (rate === null) return Math.round(UNMEASURED_RETRY_MS * jitter);
    const estimate = (ahead / rate) * 1000;
    return Math.round(Math.min(MAX_RETRY_MS, Math.max(500, estimate)) * jitter);
  }

  private forgetStale(now: number): void {
    let forgot = false;
    for (const [orderId, acceptedAt] of this.undecided) {
      if (now - acceptedAt < FORGET_AFTER_MS) break; // Insertion order: the rest are younger.
      this.undecided.delete(orderId);
      forgot = true;
    }
    if (forgot) this.noteIfIdle();
    if (forgot && this.line.length > 0) queueMicrotask(() => this.admitWaiting());
  }
}
