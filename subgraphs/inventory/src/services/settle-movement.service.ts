import { announceEvents } from '@mesh/events';
import type { Logger } from '@mesh/server-kit';
import { stockContention } from '../errors.js';
import type { InventoryModels } from '../models/index.js';
import { LEVEL_PROJECTION, snapshotOf, type LevelSnapshot, type MovementDecision, type StockLevelRecord } from '../models/stock-level.model.js';
import type { MovementRecord } from '../models/stock-movement.model.js';
import { markMovementFinal, type MovementOutcome } from './log-movement.js';
import { settleCarryOutSale } from './record-carry-out-sale.service.js';
import { decisionPush, ensureLevel, levelChangeUpdate, type LevelDelta } from './level-change.js';
import { valueMovement, type MovementValuation } from './value-movement.js';

type Decision =
  | { readonly status: 'APPLIED'; readonly quantityDelta: number; readonly level: LevelSnapshot; readonly elsewhere: boolean }
  | { readonly status: 'REJECTED'; readonly available: number; readonly elsewhere: boolean };

const INBOUND = new Set(['RECEIPT', 'ADJUSTMENT_IN', 'RETURN']);
/** Movements that take free stock (never below what is reserved); refused when it is not there. */
const OUTBOUND = new Set(['ADJUSTMENT_OUT', 'DAMAGE', 'TRANSFER_OUT']);
const MAX_ATTEMPTS = 8;
/** How long a settler that finds the movement decided by another waits for that one to finish. */
const FINALISE_WAIT_MS = 2_000;

/**
 * Drives a logged movement to its final state and returns it as stored. Safe to call any number
 * of times, concurrently, for the same movement: the decision (apply or reject) is recorded on
 * the level by the same atomic update that makes it, guarded by "not yet decided", so it happens
 * exactly once; the first settler to mark the movement final wins and every settler returns
 * that stored result. Throws STOCK_CONTENTION (movement left PENDING, a retry resumes it) when a
 * cycle count keeps losing to concurrent changes.
 */
export async function settleMovement(models: InventoryModels, movement: MovementRecord): Promise<MovementRecord> {
  if (movement.status !== 'PENDING') return movement;
  // A till sale without a reservation always applies (on hand clamped at zero): its own rule.
  if (movement.type === 'SALE' && !movement.reservationId) return settleCarryOutSale(models, movement);
  const decision = await decide(models, movement, await valueMovement(models, movement.sku, movement.locationId));
  if (decision.elsewhere) {
    const settled = await awaitFinal(models, movement._id);
    if (settled) return settled;
  }
  const set: MovementOutcome =
    decision.status === 'APPLIED'
      ? { status: 'APPLIED', quantityDelta: decision.quantityDelta, level: decision.level }
      : { status: 'REJECTED', available: decision.available };
  return markMovementFinal(models, movement._id, set);
}

/**
 * Settles every movement left PENDING by a crash between logging and applying it. Runs at
 * start-up (from seed); safe while other instances are serving. Returns how many it settled.
 */
export async function settlePendingMovements(models: InventoryModels, logger: Logger): Promise<number> {
  const pending = await models.movements.find({ status: 'PENDING' }).sort({ occurredAt: 1 }).lean<MovementRecord[]>();
  let settled = 0;
  for (const movement of pending) {
    try {
      await settleMovement(models, movement);
      settled++;
    } catch (error) {
      logger.error({ err: error, movementId: movement._id }, 'pending stock movement could not be settled');
    }
  }
  if (pending.length > 0) logger.info({ settled, pending: pending.length }, 'pending stock movements settled');
  return settled;
}

async function decide(models: InventoryModels, movement: MovementRecord, valuation: MovementValuation | null): Promise<Decision> {
  const { sku, locationId, _id: movementId } = movement;
  const undecided = { sku, locationId, 'decisions.movementId': { $ne: movementId } };
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (movement.type === 'CYCLE_COUNT') {
      const read = await readLevel(models, movement);
      if (!read) continue;
      if (read.decided) return read.decided;
      const current = read.level;
      // Guarded on the on-hand just read, so the recorded variance is exactly what was applied.
      const delta = movement.quantity - current.onHand;
      const applied = await applyDelta(models, { ...undecided, onHand: current.onHand }, movement, valuation, { onHand: delta });
      if (applied) return { status: 'APPLIED', quantityDelta: delta, level: snapshotOf(applied), elsewhere: false };
      await pause(attempt);
      continue;
    }
    const { delta, guard } = ruleOf(movement);
    const applied = await applyDelta(models, { ...undecided, ...guard }, movement, valuation, delta);
    if (applied) return { status: 'APPLIED', quantityDelta: delta.onHand ?? 0, level: snapshotOf(applied), elsewhere: false };
    if (OUTBOUND.has(movement.type)) {
      const rejected = await models.levels
        .findOneAndUpdate(
          undecided,
          { $push: decisionPush({ movementId, quantityDelta: 0, applied: false }) },
          { returnDocument: 'after', projection: LEVEL_PROJECTION },
        )
        .lean<StockLevelRecord>();
      if (rejected) return { status: 'REJECTED', available: Math.max(0, rejected.free), elsewhere: false };
    }
    const read = await readLevel(models, movement);
    if (read?.decided) return read.decided;
  }
  throw stockContention(sku, locationId);
}

/** What a movement does to its level, and the condition under which it may. */
function ruleOf(movement: MovementRecord): { delta: LevelDelta; guard: Record<string, unknown> } {
  const quantity = movement.quantity;
  if (INBOUND.has(movement.type)) return { delta: { onHand: quantity }, guard: {} };
  if (OUTBOUND.has(movement.type)) return { delta: { onHand: -quantity }, guard: { free: { $gte: quantity } } };
  // A committed reservation: the reserved units leave, so available-to-sell does not change.
  if (movement.type === 'SALE' && movement.reservationId) return { delta: { onHand: -quantity, reserved: -quantity }, guard: { reserved: { $gte: quantity } } };
  if (movement.type === 'TRANSFER_IN') return { delta: { onHand: quantity, inTransit: -quantity }, guard: { inTransit: { $gte: quantity } } };
  throw new Error(`no settlement rule for ${movement.type} movements`);
}

/**
 * One atomic update: the quantities, their denormalised free/atp, the decision marker and the
 * change record (from which stock-movement-recorded, with the movement's valuation, and
 * availability-changed are published) together.
 */
async function applyDelta(
  models: InventoryModels,
  filter: Record<string, unknown>,
  movement: MovementRecord,
  valuation: MovementValuation | null,
  delta: LevelDelta,
) {
  const update = levelChangeUpdate(
    movement._id,
    delta,
    { correlationId: movement.correlationId },
    {
      movementId: movement._id,
      type: movement.type,
      quantity: movement.quantity,
      orderId: movement.orderId ?? null,
      transferId: movement.transferId ?? null,
      reason: movement.reason ?? null,
      unitCostMinor: valuation?.unitCostMinor ?? null,
      currency: valuation?.currency ?? null,
    },
  );
  const applied = await models.levels
    .findOneAndUpdate(filter, update, { returnDocument: 'after', projection: LEVEL_PROJECTION })
    .lean<StockLevelRecord & { _id: unknown }>();
  if (applied) announceEvents(models.levels);
  return applied;
}

/**
 * The movement's level as it stands, with the decision a concurrent settle already recorded on it
 * for this movement (if any); null when the level did not exist (it does now: the caller tries again).
 */
async function readLevel(models: InventoryModels, movement: MovementRecord): Promise<{ level: StockLevelRecord; decided: Decision | null } | null> {
  const { sku, locationId, _id: movementId } = movement;
  const level = await models.levels.findOne({ sku, locationId }, { changes: 0 }).lean<StockLevelRecord>();
  if (!level) {
    await ensureLevel(models, sku, locationId);
    return null;
  }
  const earlier = level.decisions.find((decision) => decision.movementId === movementId);
  return { level, decided: earlier ? decidedElsewhere(earlier, level) : null };
}

function decidedElsewhere(earlier: MovementDecision, current: StockLevelRecord): Decision {
  return earlier.applied
    ? { status: 'APPLIED', quantityDelta: earlier.quantityDelta, level: snapshotOf(current), elsewhere: true }
    : { status: 'REJECTED', available: Math.max(0, current.free), elsewhere: true };
}

async function awaitFinal(models: InventoryModels, movementId: string): Promise<MovementRecord | null> {
  const deadline = Date.now() + FINALISE_WAIT_MS;
  while (Date.now() < deadline) {
    const stored = await models.movements.findById(movementId).lean<MovementRecord>();
    if (stored && stored.status !== 'PENDING') return stored;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return null;
}

function pause(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * (attempt + 1)));
}
