import { createJobLease, type JobLease, type Logger } from '@mesh/server-kit';
import type { ProductModels } from '../models/index.js';
import { announceDuePrices } from './announce-due-prices.js';

const BATCH = 100;
/** The job's lease document: one per product database, shared by every replica. */
export const PRICE_ANNOUNCER_JOB = 'product.price-announcer';

export interface PriceAnnouncer {
  /** Runs one pass now (after this instance's running one); 0 when another replica holds the lease. */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Every `intervalMs`: announces the scheduled prices that have taken effect (announceDuePrices),
 * under the `product.price-announcer` lease so that replicas do not run passes side by side.
 * `afterChange` is called after a pass that recorded events (to wake the outbox relay).
 */
export function startPriceAnnouncer(models: ProductModels, options: { intervalMs: number; logger: Logger; afterChange?: () => void; lease?: JobLease }): PriceAnnouncer {
  const lease = options.lease ?? createJobLease(models.priceLists.db, { job: PRICE_ANNOUNCER_JOB });
  let running: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  async function leasedPass(): Promise<number> {
    // Nothing due (nearly every pass): one indexed read, without taking and releasing the lease (two writes).
    if (!(await models.priceLists.exists({ nextDueAt: { $lte: new Date() } }))) return 0;
    const outcome = await lease.runExclusive(() => announceDuePrices(models, new Date(), BATCH));
    const announced = outcome.ran ? outcome.value : 0;
    if (announced > 0) {
      options.logger.info({ announced }, 'scheduled prices took effect');
      options.afterChange?.();
    }
    return announced;
  }

  function runOnce(): Promise<number> {
    const next = running.then(leasedPass);
    running = next.catch((error: unknown) => options.logger.error({ err: error }, 'price announcer pass failed'));
    return next;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => void runOnce().catch(() => undefined).finally(schedule), options.intervalMs);
    timer.unref();
  }

  schedule();
  return {
    runOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
