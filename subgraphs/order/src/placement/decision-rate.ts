/** The window over which decisions are measured. */
const WINDOW_MS = 10_000;
/**
 * Decisions, and the busy time they must cover, before the rate is trusted. A burst's first
 * decisions come faster and faster as the mesh warms up: a rate taken from the first few sent
 * refused callers away for 15-45 s while the intake drained in a few and then stood idle.
 */
const MIN_SAMPLES = 20;
const MIN_BUSY_MS = 1000;

/**
 * How fast this replica's orders are decided, for sizing its intake: decisions per second of busy
 * time (time with at least one order placing or undecided) over the last 10 s, and the quickest
 * decision in that time. Idle time does not count: after a lull between two rushes, decisions per
 * second of wall time read as a slow mesh, and the next rush's callers were refused (9 of 25
 * closed-loop callers at the start of a bench round, each waiting out a 2 s hint).
 */
export class DecisionRate {
  private readonly decisions: { readonly at: number; readonly tookMs: number }[] = [];
  private readonly idleSpans: { readonly from: number; readonly to: number }[] = [];
  private idleSince: number | null;

  constructor(private readonly now: () => number) {
    this.idleSince = now();
  }

  /** The backlog has an order again. */
  busy(): void {
    if (this.idleSince === null) return;
    this.idleSpans.push({ from: this.idleSince, to: this.now() });
    this.idleSince = null;
  }

  /** The backlog is empty. */
  idle(): void {
    this.idleSince ??= this.now();
  }

  /** An order was decided `tookMs` after it was accepted. */
  decided(tookMs: number): void {
    const now = this.now();
    this.decisions.push({ at: now, tookMs });
    this.forgetOld(now);
  }

  /** Decisions per second of busy time over the window, or null while too few to trust. */
  perSecond(): number | null {
    const now = this.now();
    this.forgetOld(now);
    if (this.decisions.length < MIN_SAMPLES) return null;
    const from = this.decisions[0]!.at;
    const busyMs = now - from - this.idleBetween(from, now);
    return busyMs < MIN_BUSY_MS ? null : this.decisions.length / (busyMs / 1000);
  }

  /** The quickest decision over the window (0 with none): a decision's own time, with nothing ahead of it. */
  quickestMs(): number {
    this.forgetOld(this.now());
    const quickest = this.decisions.reduce((least, { tookMs }) => Math.min(least, tookMs), Number.POSITIVE_INFINITY);
    return Number.isFinite(quickest) ? quickest : 0;
  }

  private idleBetween(from: number, to: number): number {
    const spans = this.idleSince === null ? this.idleSpans : [...this.idleSpans, { from: this.idleSince, to }];
    return spans.reduce((sum, span) => sum + Math.max(0, Math.min(to, span.to) - Math.max(from, span.from)), 0);
  }

  private forgetOld(now: number): void {
    while (this.decisions.length > 0 && now - this.decisions[0]!.at > WINDOW_MS) this.decisions.shift();
    while (this.idleSpans.length > 0 && now - this.idleSpans[0]!.to > WINDOW_MS) this.idleSpans.shift();
  }
}
