import type { InventoryModels } from '../models/index.js';
import type { ReleaseReason, ReservationRecord } from '../models/reservation.model.js';
import { finalise, lineageOf, linesOf, releaseLine, reservationEnvelope } from './reservation-lines.js';

/** Which reservation: by id, or by the key it was made with (for orders, `order:<orderId>`). */
export type ReservationRef = { readonly reservationId: string } | { readonly key: string };

export type ReleaseReservationOutcome =
  | { readonly kind: 'released'; readonly reservation: ReservationRecord; readonly replayed: boolean }
  /** It is not held (still being decided, rejected, or committed): nothing was changed. */
  | { readonly kind: 'not-held'; readonly reservation: ReservationRecord }
  | { readonly kind: 'not-found' };

export const filterOf = (ref: ReservationRef) => ('reservationId' in ref ? { _id: ref.reservationId } : { key: ref.key });

/**
 * Gives a HELD reservation's units back to available-to-sell and records
 * reservation-released (status RELEASED, or EXPIRED for reason EXPIRED). Idempotent: the
 * release is claimed by one atomic HELD -> RELEASING step, each line is released once, and a
 * repeated (or crashed and retried) release of the same reservation finishes the first one and
 * returns its result. A release that finds it committed, rejected or still pending changes nothing.
 */
export async function releaseReservation(models: InventoryModels, ref: ReservationRef, reason: ReleaseReason): Promise<ReleaseReservationOutcome> {
  const claimed = await models.reservations
    .findOneAndUpdate(
      { ...filterOf(ref), status: 'HELD' },
      { $set: { status: 'RELEASING', releaseReason: reason, updatedAt: new Date() } },
      { returnDocument: 'after' },
    )
    .lean<ReservationRecord>();
  if (claimed) return { kind: 'released', reservation: await finishRelease(models, claimed), replayed: false };
  const stored = await models.reservations.findOne(filterOf(ref)).lean<ReservationRecord>();
  if (!stored) return { kind: 'not-found' };
  if (stored.status === 'RELEASING') return { kind: 'released', reservation: await finishRelease(models, stored), replayed: true };
  if (stored.status === 'RELEASED' || stored.status === 'EXPIRED') return { kind: 'released', reservation: stored, replayed: true };
  return { kind: 'not-held', reservation: stored };
}

/**
 * Releases HELD reservations whose expiresAt has passed (reason EXPIRED), at most `limit`,
 * oldest first. Each is claimed atomically, so a commit or cancel that wins the race keeps it.
 */
export async function expireReservations(models: InventoryModels, now: Date, limit: number): Promise<number> {
  const due = await models.reservations
    .find({ status: 'HELD', expiresAt: { $lte: now } }, { _id: 1 })
    .sort({ expiresAt: 1 })
    .limit(limit)
    .lean<{ _id: string }[]>();
  let expired = 0;
  for (const { _id } of due) {
    const claimed = await models.reservations
      .findOneAndUpdate(
        { _id, status: 'HELD', expiresAt: { $lte: now } },
        { $set: { status: 'RELEASING', releaseReason: 'EXPIRED', updatedAt: new Date() } },
        { returnDocument: 'after' },
      )
      .lean<ReservationRecord>();
    if (!claimed) continue;
    await finishRelease(models, claimed);
    expired++;
  }
  return expired;
}

/** Finishes a claimed (RELEASING) release: every still-held line, then the final status and its event. */
export async function finishRelease(models: InventoryModels, reservation: ReservationRecord): Promise<ReservationRecord> {
  const reason = reservation.releaseReason ?? 'ORDER_CANCELLED';
  for (const [index, line] of reservation.lines.entries()) {
    if (line.state === 'HELD') await releaseLine(models, reservation, index, lineageOf(reservation));
  }
  const event = reservationEnvelope(
    'inventory.reservation-released',
    reservation,
    {
      reservationId: reservation._id,
      orderId: reservation.orderId,
      locationId: reservation.locationId,
      lines: linesOf(reservation),
      reason,
    },
    'released',
  );
  const lines = reservation.lines.map((line) => (line.state === 'HELD' ? { ...line, state: 'RELEASED' as const } : line));
  return finalise(models, reservation, 'RELEASING', { status: reason === 'EXPIRED' ? 'EXPIRED' : 'RELEASED', lines }, event);
}
