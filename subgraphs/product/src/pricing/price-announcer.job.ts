import { onEventsAnnounced } from '@mesh/events';
import { createJobLease, type JobLease, type Logger } from '@mesh/server-kit';
import type { ProductModels } from '../models/index.js';
import type { PriceListRecord } from './price-list.model.js';
import { announceDuePrices } from './announce-due-prices.js';

const BATCH = 100;
/** Pause before looking again when a change is due but this pass could not announce it (another replica holds the lease, or a concurrent write moved the list). */
const LEASE_BUSY_RETRY_MS = 1000;
/** The job's lease document: one per product database, shared by every replica. */
export const PRICE_ANNOUNCER_JOB = 'product.price-announcer';

export interface PriceAnnouncer {
  /** Runs one pass now (after this instance's running one); 0 when nothing was due or another replica holds the lease. */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Announces scheduled prices as they take effect (announceDuePrices), under the
 * `product.price-announcer` lease so that replicas do not run passes side by side. It sleeps
 * until the earliest `nextDueAt` it knows of rather than polling: a price scheduled through this
 * process wakes it at once (the schedule announces the price-list write), and one scheduled
 * through another replica is seen within `recheckMs` even if that replica could not announce it.
 * `afterChange` is called after a pass that recorded events (to wake the outbox relay).
 */
export function startPriceAnnouncer(
  models: ProductModels,
  options: { recheckMs: number; logger: Logger; afterChange?: () => void; lease?: JobLease },
): PriceAnnouncer {
  const lease = options.lease ?? createJobLease(models.priceLists.db, { job: PRICE_ANNOUNCER_JOB });
  let running: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  /** The earliest time a price list needs announcing, or null when none does (one indexed read). */
  async function earliestDue(): Promise<Date | null> {
    const next = await models.priceLists
      .findOne({ nextDueAt: { $gte: new Date(0) } }, { nextDueAt: 1 })
      .sort({ nextDueAt: 1 })
      .lean<Pick<PriceListRecord, 'nextDueAt'>>();
    return next?.nextDueAt ?? null;
  }

  /** One pass: announces what is due, then answers how long to sleep before the next. */
  async function pass(): Promise<{ announced: number; sleepMs: number }> {
    const due = await earliestDue();
    const now = Date.now();
    if (!due || due.getTime() > now) return { announced: 0, sleepMs: due ? Math.min(due.getTime() - now, options.recheckMs) : options.recheckMs };
    const outcome = await lease.runExclusive(() => announceDuePrices(models, new Date(), BATCH));
    if (!outcome.ran) return { announced: 0, sleepMs: Math.min(LEASE_BUSY_RETRY_MS, options.recheckMs) };
    if (outcome.value > 0) {
      options.logger.info({ announced: outcome.value }, 'scheduled prices took effect');
      options.afterChange?.();
    }
    // Something announced: look again at once (a full batch may have left more due). Nothing
    // announced although a list was due (a concurrent write moved it): a pause, never a busy loop.
    return { announced: outcome.value, sleepMs: outcome.value > 0 ? 0 : Math.min(LEASE_BUSY_RETRY_MS, options.recheckMs) };
  }

  function runPass(): Promise<{ announced: number; sleepMs: number }> {
    const next = running.then(pass);
    running = next.catch((error: unknown) => options.logger.error({ err: error }, 'price announcer pass failed'));
    return next;
  }

  function wakeAfter(ms: number): void {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      runPass()
        .then((outcome) => wakeAfter(outcome.sleepMs))
        .catch(() => wakeAfter(Math.min(LEASE_BUSY_RETRY_MS, options.recheckMs)));
    }, ms);
    timer.unref();
  }

  const stopListening = onEventsAnnounced(models.priceLists.db, (collection) => {
    if (collection === models.priceLists.collection.name) wakeAfter(0);
  });
  wakeAfter(0);
  return {
    runOnce: async () => (await runPass()).announced,
    async stop() {
      stopped = true;
      stopListening();
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
