import type { OrderRecord } from '../models/order.model.js';

/** Decisions remembered for callers that start waiting after the decision: the newest this many. */
const RECENT_DECISIONS_KEPT = 10_000;

/** How a wait ended: with the decided order when the notifier had it, else the caller reads it. */
export type WakeUp = { readonly kind: 'decided'; readonly order: OrderRecord | undefined } | { readonly kind: 'timed-out' };

/**
 * Callers of `placeOrder` waiting for inventory's decision on their order. They are woken by the
 * decision itself, never by polling: the stock-decision consumer of this process notifies right
 * after it recorded a decision (handing over the decided order, so the caller reads nothing), and
 * the order status feed notifies for decisions that another replica recorded. A waiter costs a
 * timer and a map entry until it is woken or its time is up. Decisions are remembered briefly
 * (the newest RECENT_DECISIONS_KEPT), so a caller that starts waiting just after its order was
 * decided is woken at once: a caller that has just inserted its order need not read it first.
 */
export class DecisionWaiters {
  private readonly waiting = new Map<string, Set<(wakeUp: WakeUp) => void>>();
  private readonly recent = new Set<string>();

  /** Registers a waiter for `orderId`; `woken` resolves on its decision (at once if already seen) or after `ms`. */
  wait(orderId: string, ms: number): { readonly woken: Promise<WakeUp>; cancel(): void } {
    if (this.recent.has(orderId)) return { woken: Promise.resolve({ kind: 'decided', order: undefined }), cancel: () => undefined };
    let finish: (wakeUp: WakeUp) => void = () => undefined;
    const woken = new Promise<WakeUp>((resolve) => {
      let set = this.waiting.get(orderId);
      if (!set) this.waiting.set(orderId, (set = new Set()));
      const entries = set;
      const timer = setTimeout(() => finish({ kind: 'timed-out' }), Math.max(0, ms));
      finish = (wakeUp) => {
        clearTimeout(timer);
        entries.delete(finish);
        if (entries.size === 0 && this.waiting.get(orderId) === entries) this.waiting.delete(orderId);
        resolve(wakeUp);
      };
      entries.add(finish);
    });
    return { woken, cancel: () => finish({ kind: 'timed-out' }) };
  }

  /** Records that `orderId` was decided and wakes every caller waiting for it (with `order`, if given); answers how many there were. */
  notify(orderId: string, order?: OrderRecord): number {
    this.remember(orderId);
    const entries = this.waiting.get(orderId);
    if (!entries) return 0;
    const count = entries.size;
    for (const finish of [...entries]) finish({ kind: 'decided', order });
    return count;
  }

  /** Drops what is remembered of `orderId` (a caller found it still undecided after all). */
  forget(orderId: string): void {
    this.recent.delete(orderId);
  }

  /** Orders with at least one waiting caller. */
  get size(): number {
    return this.waiting.size;
  }

  private remember(orderId: string): void {
    this.recent.delete(orderId);
    this.recent.add(orderId);
    if (this.recent.size > RECENT_DECISIONS_KEPT) this.recent.delete(this.recent.values().next().value as string);
  }
}
