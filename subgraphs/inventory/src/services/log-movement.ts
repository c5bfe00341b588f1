import { insertOrReadStored } from '@mesh/events';
import type { InventoryModels } from '../models/index.js';
import type { MovementRecord } from '../models/stock-movement.model.js';

/** Logs `movement` once under its idempotency key; the stored one when that key was logged before. */
export async function logMovementOnce(models: InventoryModels, movement: MovementRecord): Promise<MovementRecord> {
  const { record } = await insertOrReadStored(
    movement,
    (attempt) => models.movements.insertMany([attempt], { lean: true }),
    () => models.movements.findOne({ idempotencyKey: movement.idempotencyKey }).lean<MovementRecord>(),
    `movement key ${movement.idempotencyKey}`,
  );
  return record;
}

/** What settling records on a movement: its final status and what it did (or could not do) to the level. */
export type MovementOutcome = Pick<MovementRecord, 'status'> &
  Partial<Pick<MovementRecord, 'quantityDelta' | 'level' | 'available' | 'reason' | 'unitsBeyondStock'>>;

/** Marks a PENDING movement final with `outcome`; the first settler wins and every settler gets the stored movement. */
export async function markMovementFinal(models: InventoryModels, movementId: MovementRecord['_id'], outcome: MovementOutcome): Promise<MovementRecord> {
  const finalised = await models.movements
    .findOneAndUpdate({ _id: movementId, status: 'PENDING' }, { $set: outcome }, { returnDocument: 'after' })
    .lean<MovementRecord>();
  if (finalised) return finalised;
  const stored = await models.movements.findById(movementId).lean<MovementRecord>();
  if (!stored) throw new Error(`movement ${movementId} disappeared while it was settled`);
  return stored;
}
