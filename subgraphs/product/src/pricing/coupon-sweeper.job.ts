import { createJobLease, startPeriodicJob, type JobLease, type Logger } from '@mesh/server-kit';
import type { ProductModels } from '../models/index.js';
import { anyUnplacedUse, returnUnplacedUses } from './return-unplaced-uses.js';

/** The job's lease document: one per product database, shared by every replica. */
export const COUPON_SWEEPER_JOB = 'product.coupon-sweeper';

export interface CouponSweeper {
  /** Runs one pass now (after this instance's running one), as of `now`; 0 when another replica holds the lease. */
  runOnce(now?: Date): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Every `intervalMs`: gives back the coupon uses whose order has not appeared `timeoutMs` after
 * they were taken (returnUnplacedUses), under the `product.coupon-sweeper` lease so that replicas
 * do not sweep side by side (each use would still go back once if they did).
 */
export function startCouponSweeper(models: ProductModels, options: { intervalMs: number; timeoutMs: number; logger: Logger; lease?: JobLease }): CouponSweeper {
  const lease = options.lease ?? createJobLease(models.coupons.db, { job: COUPON_SWEEPER_JOB });

  async function leasedPass(now: Date): Promise<number> {
    const cutoff = new Date(now.getTime() - options.timeoutMs);
    // Nothing overdue (nearly every pass): one read, without taking and releasing the lease (two writes).
    if (!(await anyUnplacedUse(models, cutoff))) return 0;
    const outcome = await lease.runExclusive(() => returnUnplacedUses(models, cutoff));
    const returned = outcome.ran ? outcome.value : 0;
    if (returned > 0) options.logger.warn({ returned, cutoff }, 'gave back coupon uses whose order never appeared');
    return returned;
  }

  return startPeriodicJob(leasedPass, { intervalMs: options.intervalMs, logger: options.logger, failureMessage: 'coupon sweep failed' });
}
