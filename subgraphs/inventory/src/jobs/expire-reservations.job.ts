import { createJobLease, startPeriodicJob, type JobLease, type Logger } from '@mesh/server-kit';
import type { InventoryModels } from '../models/index.js';
import type { ReservationRecord } from '../models/reservation.model.js';
import { finishCommit } from '../services/commit-reservation.service.js';
import { expireReservations, finishRelease } from '../services/release-reservation.service.js';
import { decideReservation } from '../services/reserve-stock.service.js';

/** A step left half-done longer than this is presumed crashed and finished by the job. */
const STALE_MS = 30_000;
const BATCH = 100;
/** The job's lease document: one per inventory database, shared by every replica. */
export const RESERVATION_EXPIRY_JOB = 'inventory.reservation-expiry';

/** One pass of the job as this replica saw it: run (and what it did), or skipped because another replica was running one. */
export type ExpiryPass =
  | { readonly ran: true; readonly startedAt: number; readonly finishedAt: number; readonly expired: number; readonly finished: number }
  | { readonly ran: false; readonly heldBy: string | null };

export interface ScheduledJob {
  /** Runs one pass now (after this instance's running one); skipped when another replica holds the job's lease. */
  runOnce(): Promise<ExpiryPass>;
  stop(): Promise<void>;
}

export interface ReservationExpiryOptions {
  readonly intervalMs: number;
  readonly logger: Logger;
  /** Who may run a pass now; default: the `inventory.reservation-expiry` lease in the reservations' database. */
  readonly lease?: JobLease;
}

/**
 * Every `intervalMs`: releases HELD reservations past expiresAt (stock back, reservation-released
 * and availability-changed published; a TTL index could do neither), and finishes reservations a
 * crash left PENDING, RELEASING or COMMITTING. With several replicas, each schedules passes but a
 * pass runs only under the job's lease (released after each pass), so no two run at once: every
 * claim inside a pass is atomic anyway, and the lease keeps two replicas from finishing the same
 * stale reservation side by side and from doubling the database load.
 */
export function startReservationExpiry(models: InventoryModels, options: ReservationExpiryOptions): ScheduledJob {
  const lease = options.lease ?? createJobLease(models.reservations.db, { job: RESERVATION_EXPIRY_JOB });

  async function pass(signal: AbortSignal): Promise<{ expired: number; finished: number }> {
    const expired = await expireReservations(models, new Date(), BATCH);
    if (expired > 0) options.logger.info({ expired }, 'reservations expired');
    const stale = await models.reservations
      .find({ status: { $in: ['PENDING', 'RELEASING', 'COMMITTING'] }, updatedAt: { $lt: new Date(Date.now() - STALE_MS) } })
      .limit(BATCH)
      .lean<ReservationRecord[]>();
    let finished = 0;
    for (const reservation of stale) {
      // The lease was lost (this replica stalled past its TTL): leave the rest to the new holder.
      if (signal.aborted) break;
      if (reservation.status === 'PENDING') await decideReservation(models, reservation);
      else if (reservation.status === 'RELEASING') await finishRelease(models, reservation);
      else await finishCommit(models, reservation);
      finished += 1;
    }
    return { expired, finished };
  }

  async function leasedPass(): Promise<ExpiryPass> {
    const outcome = await lease.runExclusive(async (signal) => {
      const startedAt = Date.now();
      const done = await pass(signal);
      return { ...done, startedAt, finishedAt: Date.now() };
    });
    return outcome.ran ? { ran: true, ...outcome.value } : { ran: false, heldBy: outcome.holder };
  }

  return startPeriodicJob(leasedPass, { intervalMs: options.intervalMs, logger: options.logger, failureMessage: 'reservation expiry pass failed' });
}
