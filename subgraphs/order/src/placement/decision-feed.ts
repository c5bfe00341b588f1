import type { LiveFeed } from '@mesh/events';
import type { Logger } from '@mesh/server-kit';
import { AWAITING_STOCK } from '../lifecycle/order-lifecycle.js';
import type { OrderRuntime } from '../runtime.js';

/** Pause before reopening the feed after it failed (the broker away, for example). */
const REOPEN_AFTER_MS = 1000;

/**
 * Wakes this replica's placeOrder callers for decisions that another replica's consumer recorded:
 * every replica reads the order status feed from now on (one reader per process, not per caller)
 * and notifies the waiters of each order that left PLACED/PENDING. Decisions this replica records
 * itself wake their callers directly, without waiting for the event to come round.
 */
export function watchDecisionFeed(feed: LiveFeed, runtime: OrderRuntime, logger: Logger): { stop(): Promise<void> } {
  let stopped = false;
  let reader: AsyncIterableIterator<unknown> | null = null;
  const loop = (async () => {
    while (!stopped) {
      try {
        const events = feed.open('order.order-status-changed');
        reader = events;
        for await (const { envelope } of events) {
          if (AWAITING_STOCK.includes(envelope.data.to)) continue;
          runtime.intake.decided(envelope.data.orderId);
          runtime.decisions.notify(envelope.data.orderId);
        }
      } catch (error) {
        if (!stopped) logger.warn({ err: error }, 'order decision feed failed; reopening');
      }
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, REOPEN_AFTER_MS).unref());
    }
  })();
  return {
    async stop() {
      stopped = true;
      await reader?.return?.();
      await loop;
    },
  };
}
