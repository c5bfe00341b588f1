/**
 * Callers of `placeOrder` waiting for inventory's decision on their order. They are woken by the
 * decision itself, never by polling: the stock-decision consumer of this process notifies right
 * after it recorded a decision, and the order status feed notifies for decisions that another
 * replica recorded. A waiter costs a timer and a map entry until it is woken or its time is up.
 */
export class DecisionWaiters {
  private readonly waiting = new Map<string, Set<() => void>>();

  /**
   * Registers a waiter for `orderId` (register before reading the order, so a decision recorded
   * between the read and the wait still wakes it). `woken` resolves on notification or after `ms`.
   */
  wait(orderId: string, ms: number): { readonly woken: Promise<void>; cancel(): void } {
    let finish = () => undefined as void;
    const woken = new Promise<void>((resolve) => {
      let set = this.waiting.get(orderId);
      if (!set) this.waiting.set(orderId, (set = new Set()));
      const entries = set;
      const timer = setTimeout(() => finish(), Math.max(0, ms));
      finish = () => {
        clearTimeout(timer);
        entries.delete(finish);
        if (entries.size === 0 && this.waiting.get(orderId) === entries) this.waiting.delete(orderId);
        resolve();
      };
      entries.add(finish);
    });
    return { woken, cancel: () => finish() };
  }

  /** Wakes every caller waiting for `orderId`; answers how many there were. */
  notify(orderId: string): number {
    const entries = this.waiting.get(orderId);
    if (!entries) return 0;
    const count = entries.size;
    for (const finish of [...entries]) finish();
    return count;
  }

  /** Orders with at least one waiting caller. */
  get size(): number {
    return this.waiting.size;
  }
}
