import type { Logger } from '@mesh/server-kit';
import type { InventoryModels } from '../models/index.js';
import type { ReservationRecord } from '../models/reservation.model.js';
import { finishCommit } from '../services/commit-reservation.service.js';
import { expireReservations, finishRelease } from '../services/release-reservation.service.js';
import { decideReservation } from '../services/reserve-stock.service.js';

/** A step left half-done longer than this is presumed crashed and finished by the job. */
const STALE_MS = 30_000;
const BATCH = 100;

export interface ScheduledJob {
  /** Runs one pass now (after the running one). */
  runOnce(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Every `intervalMs`: releases HELD reservations past expiresAt (stock back, reservation-released
 * and availability-changed published; a TTL index could do neither), and finishes reservations a
 * crash left PENDING, RELEASING or COMMITTING. Safe with several instances running it.
 */
export function startReservationExpiry(models: InventoryModels, options: { intervalMs: number; logger: Logger }): ScheduledJob {
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  async function pass(): Promise<void> {
    const expired = await expireReservations(models, new Date(), BATCH);
    if (expired > 0) options.logger.info({ expired }, 'reservations expired');
    const stale = await models.reservations
      .find({ status: { $in: ['PENDING', 'RELEASING', 'COMMITTING'] }, updatedAt: { $lt: new Date(Date.now() - STALE_MS) } })
      .limit(BATCH)
      .lean<ReservationRecord[]>();
    for (const reservation of stale) {
      if (reservation.status === 'PENDING') await decideReservation(models, reservation);
      else if (reservation.status === 'RELEASING') await finishRelease(models, reservation);
      else await finishCommit(models, reservation);
    }
  }

  function runOnce(): Promise<void> {
    const next = running.then(pass);
    running = next.catch((error: unknown) => options.logger.error({ err: error }, 'reservation expiry pass failed'));
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
