import { announceEvents, createEnvelope, type EnvelopeOf, storedEnvelope, type Topic, writtenDocuments } from '@mesh/events';
import type { InventoryModels } from '../models/index.js';
import type { ReservationLineState, ReservationRecord } from '../models/reservation.model.js';
import { applyLevelStep, type Lineage } from './level-change.js';

export const lineageOf = (reservation: ReservationRecord): Lineage => ({
  correlationId: reservation.correlationId,
  causationId: reservation.causationId ?? null,
});

/** Gives a held line back to available-to-sell, once (marker `<reservation>:release:<line>`), and marks the line. */
export async function releaseLine(models: InventoryModels, reservation: ReservationRecord, index: number, lineage: Lineage): Promise<void> {
  const line = reservation.lines[index]!;
  const step = await applyLevelStep(models, {
    sku: line.sku,
    locationId: reservation.locationId,
    marker: `${reservation._id}:release:${index}`,
    delta: { reserved: -line.quantity },
    guard: { reserved: { $gte: line.quantity } },
    lineage,
  });
  if (!step.applied)
    throw new Error(`reservation ${reservation._id} line ${index}: ${line.sku}@${reservation.locationId} holds fewer than ${line.quantity} reserved units`);
  await setLineState(models, reservation._id, index, 'HELD', { state: 'RELEASED' });
}

/** Moves one line from `from` to a new state (a no-op when another step already moved it). */
export async function setLineState(
  models: InventoryModels,
  reservationId: string,
  index: number,
  from: ReservationLineState,
  set: { state: ReservationLineState; available?: number; movementId?: string },
): Promise<void> {
  const fields: Record<string, unknown> = { [`lines.${index}.state`]: set.state, updatedAt: new Date() };
  if (set.available !== undefined) fields[`lines.${index}.available`] = set.available;
  if (set.movementId !== undefined) fields[`lines.${index}.movementId`] = set.movementId;
  await models.reservations.updateOne({ _id: reservationId, [`lines.${index}.state`]: from }, { $set: fields });
}

/**
 * Moves a reservation from `from` to its final `status` and records `event` in the same write;
 * returns the stored reservation (the first finaliser wins; later ones get its result).
 */
export async function finalise<T extends Topic>(
  models: InventoryModels,
  reservation: ReservationRecord,
  from: ReservationRecord['status'],
  set: Partial<ReservationRecord>,
  event: EnvelopeOf<T>,
): Promise<ReservationRecord> {
  const plain = storedEnvelope(event);
  const done = await models.reservations
    .findOneAndUpdate(
      { _id: reservation._id, status: from },
      { $set: { ...set, updatedAt: new Date() }, $push: { pendingEvents: plain } },
      { returnDocument: 'after' },
    )
    .lean<ReservationRecord>();
  if (done) {
    announceEvents(models.reservations, writtenDocuments(done));
    return done;
  }
  const stored = await models.reservations.findById(reservation._id).lean<ReservationRecord>();
  if (!stored) throw new Error(`reservation ${reservation._id} disappeared`);
  return stored;
}

export function reservationEnvelope<
  T extends 'inventory.stock-reserved' | 'inventory.stock-reservation-rejected' | 'inventory.reservation-released' | 'inventory.reservation-committed',
>(type: T, reservation: ReservationRecord, data: Parameters<typeof createEnvelope<T>>[1], fact: string): EnvelopeOf<T> {
  const lineage = lineageOf(reservation);
  return createEnvelope(type, data, {
    correlationId: lineage.correlationId,
    ...(lineage.causationId ? { causationId: lineage.causationId } : {}),
    idempotencyKey: `reservation:${reservation._id}:${fact}`,
  });
}

export const linesOf = (reservation: ReservationRecord) => reservation.lines.map(({ sku, quantity }) => ({ sku, quantity }));
