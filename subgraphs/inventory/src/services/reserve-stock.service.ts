import { insertOrReadStored } from '@mesh/events';
import { createHash, randomUUID } from 'node:crypto';
import { badUserInput, boundedList, idempotencyKeyReused, identifier, positiveQuantity } from '@mesh/server-kit';
import type { InventoryModels } from '../models/index.js';
import type { ReservationRecord } from '../models/reservation.model.js';
import { applyLevelStep, availableOf, type Lineage } from './level-change.js';
import { finalise, lineageOf, linesOf, releaseLine, reservationEnvelope, setLineState } from './reservation-lines.js';

/** A request to hold every line of one order at one location. */
export interface ReserveStockInput {
  /** Unique per reservation (for orders: `order:<orderId>`); repeating it returns the first result. */
  readonly key: string;
  readonly orderId: string;
  readonly locationId: string;
  readonly lines: readonly { readonly sku: string; readonly quantity: number }[];
  /** How long the reservation is held before the expiry job releases it. */
  readonly ttlMs: number;
}

/** A line that could not be held: what was asked, what was available, and the difference. */
export interface Shortage {
  readonly sku: string;
  readonly quantity: number;
  readonly available: number;
  readonly short: number;
}

export type ReserveStockOutcome =
  | { readonly kind: 'held'; readonly reservation: ReservationRecord; readonly replayed: boolean }
  | { readonly kind: 'rejected'; readonly reservation: ReservationRecord; readonly shortages: readonly Shortage[]; readonly replayed: boolean };

const MAX_UNITS = 1_000_000;
const MAX_TTL_MS = 30 * 24 * 3600 * 1000;

/**
 * Reserves all lines at one location or none: each line is a guarded `$inc` of reserved (and
 * free/atp) on its level, allowed only while available-to-sell covers it, decided once per line
 * by a marker on the level. If any line is short, the lines already held are released again
 * (compensation), so a rejected reservation holds nothing; the outcome lists every short line.
 * The outcome and its event (stock-reserved or stock-reservation-rejected) are recorded in one
 * write. Safe to call concurrently and repeatedly with the same key: one reservation, one
 * answer; the same key with different lines or location throws IDEMPOTENCY_KEY_REUSED.
 * Invalid input throws BAD_USER_INPUT before anything is written. An unknown SKU or location
 * is not an error: nothing is there, so its lines are short.
 */
export async function reserveStock(models: InventoryModels, lineage: Lineage, input: ReserveStockInput): Promise<ReserveStockOutcome> {
  const checked = validate(input);
  const now = new Date();
  const reservation: ReservationRecord = {
    _id: `rsv_${randomUUID()}`,
    key: checked.key,
    fingerprint: fingerprintOf(checked),
    orderId: checked.orderId,
    locationId: checked.locationId,
    lines: checked.lines.map(({ sku, quantity }) => ({ sku, quantity, state: 'PENDING' })),
    status: 'PENDING',
    expiresAt: new Date(now.getTime() + checked.ttlMs),
    createdAt: now,
    updatedAt: now,
    correlationId: lineage.correlationId,
    causationId: lineage.causationId ?? null,
    pendingEvents: [],
  };
  const { record: stored, inserted } = await insertOrReadStored(
    reservation,
    (attempt) => models.reservations.insertMany([attempt], { lean: true }),
    () => models.reservations.findOne({ key: checked.key }).lean<ReservationRecord>(),
    `reservation key ${checked.key}`,
  );
  if (stored.fingerprint !== reservation.fingerprint) throw idempotencyKeyReused(checked.key);
  return outcomeOf(await decideReservation(models, stored), !inserted);
}

/**
 * Drives a PENDING reservation to HELD or REJECTED; safe to repeat and to run concurrently (a
 * crash mid-way is finished by a retry with the same key, or by the expiry job's sweep).
 */
export async function decideReservation(models: InventoryModels, reservation: ReservationRecord): Promise<ReservationRecord> {
  if (reservation.status !== 'PENDING') return reservation;
  const lineage = lineageOf(reservation);
  const lines = reservation.lines.map((line) => ({ ...line }));
  for (const [index, line] of lines.entries()) {
    if (line.state !== 'PENDING') continue;
    const step = await applyLevelStep(models, {
      sku: line.sku,
      locationId: reservation.locationId,
      marker: `${reservation._id}:hold:${index}`,
      delta: { reserved: line.quantity },
      guard: { atp: { $gte: line.quantity } },
      lineage,
    });
    // Each line's outcome is recorded before the next line is tried; the last one's is recorded by
    // the final write below (no sooner: a crash in between is recovered the same way either way).
    const more = index < lines.length - 1;
    if (step.applied) {
      line.state = 'HELD';
      if (more) await setLineState(models, reservation._id, index, 'PENDING', { state: 'HELD' });
    } else {
      line.state = 'SHORT';
      line.available = availableOf(step.level);
      if (more) await setLineState(models, reservation._id, index, 'PENDING', { state: 'SHORT', available: line.available });
    }
  }
  const shortages = lines.filter((line) => line.state === 'SHORT');
  if (shortages.length === 0) {
    const held = { ...reservation, lines };
    const event = reservationEnvelope(
      'inventory.stock-reserved',
      held,
      {
        reservationId: reservation._id,
        orderId: reservation.orderId,
        locationId: reservation.locationId,
        lines: linesOf(held),
        expiresAt: reservation.expiresAt.toISOString(),
      },
      'held',
    );
    return finalise(models, reservation, 'PENDING', { status: 'HELD', lines }, event);
  }
  for (const [index, line] of lines.entries()) {
    if (line.state !== 'HELD') continue;
    await releaseLine(models, reservation, index, lineage);
    line.state = 'RELEASED';
  }
  const event = reservationEnvelope(
    'inventory.stock-reservation-rejected',
    reservation,
    {
      reservationId: reservation._id,
      orderId: reservation.orderId,
      locationId: reservation.locationId,
      lines: linesOf(reservation),
      shortages: shortages.map((line) => ({ sku: line.sku, quantity: line.quantity, available: line.available ?? 0 })),
    },
    'rejected',
  );
  return finalise(models, reservation, 'PENDING', { status: 'REJECTED', lines }, event);
}

function outcomeOf(reservation: ReservationRecord, replayed: boolean): ReserveStockOutcome {
  if (reservation.status === 'PENDING') throw new Error(`reservation ${reservation._id} is still being decided`);
  if (reservation.status !== 'REJECTED') return { kind: 'held', reservation, replayed };
  const shortages = reservation.lines
    .filter((line) => line.available != null)
    .map((line) => ({ sku: line.sku, quantity: line.quantity, available: line.available!, short: line.quantity - line.available! }));
  return { kind: 'rejected', reservation, shortages, replayed };
}

function validate(input: ReserveStockInput): ReserveStockInput {
  const lines = boundedList(input.lines, 'lines') ?? [];
  if (lines.length === 0) throw badUserInput('a reservation needs at least one line', { argument: 'lines' });
  if (!Number.isSafeInteger(input.ttlMs) || input.ttlMs < 1 || input.ttlMs > MAX_TTL_MS) throw badUserInput('ttlMs is out of range', { argument: 'ttlMs' });
  return {
    key: identifier(input.key, 'key'),
    orderId: identifier(input.orderId, 'orderId'),
    locationId: identifier(input.locationId, 'locationId'),
    lines: lines.map((line, index) => ({
      sku: identifier(line.sku, `lines.${index}.sku`),
      quantity: positiveQuantity(line.quantity, `lines.${index}.quantity`, MAX_UNITS),
    })),
    ttlMs: input.ttlMs,
  };
}

/** What "the same reservation" means for a key: order, location and lines (not the expiry). */
function fingerprintOf(input: ReserveStockInput): string {
  const canonical = JSON.stringify([input.orderId, input.locationId, input.lines.map((line) => [line.sku, line.quantity])]);
  return createHash('sha256').update(canonical).digest('base64url');
}
