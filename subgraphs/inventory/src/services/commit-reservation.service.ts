import { randomUUID } from 'node:crypto';
import type { InventoryModels } from '../models/index.js';
import type { ReservationRecord } from '../models/reservation.model.js';
import type { MovementRecord } from '../models/stock-movement.model.js';
import { filterOf, type ReservationRef } from './release-reservation.service.js';
import { finalise, linesOf, reservationEnvelope, setLineState } from './reservation-lines.js';
import { settleMovement } from './settle-movement.service.js';
import { logMovementOnce } from './log-movement.js';

export type CommitReservationOutcome =
  | { readonly kind: 'committed'; readonly reservation: ReservationRecord; readonly movementIds: readonly string[]; readonly replayed: boolean }
  /** It is not held (released, expired, rejected or still pending): nothing was changed. */
  | { readonly kind: 'not-held'; readonly reservation: ReservationRecord }
  | { readonly kind: 'not-found' };

/**
 * Fulfilment: the reserved units leave as SALE movements in the movement log (on hand and
 * reserved both drop, available-to-sell does not change), then reservation-committed is
 * recorded. Claimed by one atomic HELD -> COMMITTING step (so it cannot race a release or the
 * expiry job); each line's movement has the key `<reservation>:sale:<line>`, so a repeated or
 * resumed commit records every sale once and returns the first result.
 */
export async function commitReservation(models: InventoryModels, ref: ReservationRef): Promise<CommitReservationOutcome> {
  const claimed = await models.reservations
    .findOneAndUpdate({ ...filterOf(ref), status: 'HELD' }, { $set: { status: 'COMMITTING', updatedAt: new Date() } }, { returnDocument: 'after' })
    .lean<ReservationRecord>();
  if (claimed) return committed(await finishCommit(models, claimed), false);
  const stored = await models.reservations.findOne(filterOf(ref)).lean<ReservationRecord>();
  if (!stored) return { kind: 'not-found' };
  if (stored.status === 'COMMITTING') return committed(await finishCommit(models, stored), true);
  if (stored.status === 'COMMITTED') return committed(stored, true);
  return { kind: 'not-held', reservation: stored };
}

function committed(reservation: ReservationRecord, replayed: boolean): CommitReservationOutcome {
  return { kind: 'committed', reservation, movementIds: reservation.lines.map((line) => line.movementId ?? ''), replayed };
}

/** Finishes a claimed (COMMITTING) commit: a SALE movement per line, then the final status and its event. */
export async function finishCommit(models: InventoryModels, reservation: ReservationRecord): Promise<ReservationRecord> {
  const lines = reservation.lines.map((line) => ({ ...line }));
  for (const [index, line] of lines.entries()) {
    if (line.state === 'COMMITTED') continue;
    const movement = await saleMovement(models, reservation, index);
    const settled = await settleMovement(models, movement);
    if (settled.status !== 'APPLIED') throw new Error(`sale ${settled._id} of reservation ${reservation._id} was not applied`);
    line.state = 'COMMITTED';
    line.movementId = settled._id;
    await setLineState(models, reservation._id, index, 'HELD', { state: 'COMMITTED', movementId: settled._id });
  }
  const movementIds = lines.map((line) => line.movementId ?? '');
  const event = reservationEnvelope(
    'inventory.reservation-committed',
    reservation,
    {
      reservationId: reservation._id,
      orderId: reservation.orderId,
      locationId: reservation.locationId,
      lines: linesOf(reservation),
      movementIds,
    },
    'committed',
  );
  return finalise(models, reservation, 'COMMITTING', { status: 'COMMITTED', lines }, event);
}

/** The line's SALE movement, logged once under its derived key (the stored one when it exists). */
async function saleMovement(models: InventoryModels, reservation: ReservationRecord, index: number): Promise<MovementRecord> {
  const line = reservation.lines[index]!;
  const movement: MovementRecord = {
    _id: `mov_${randomUUID()}`,
    idempotencyKey: `${reservation._id}:sale:${index}`,
    sku: line.sku,
    locationId: reservation.locationId,
    type: 'SALE',
    quantity: line.quantity,
    quantityDelta: 0,
    status: 'PENDING',
    occurredAt: new Date(),
    reason: null,
    correlationId: reservation.correlationId,
    orderId: reservation.orderId,
    reservationId: reservation._id,
    recordedBy: null,
  };
  return logMovementOnce(models, movement);
}
