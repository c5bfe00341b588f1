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
