import { announceEvents } from '@mesh/events';
import { randomUUID } from 'node:crypto';
import type { Logger } from '@mesh/server-kit';
import { stockContention } from '../errors.js';
import type { InventoryModels } from '../models/index.js';
import { LEVEL_PROJECTION, snapshotOf, type StockLevelRecord } from '../models/stock-level.model.js';
import type { MovementRecord } from '../models/stock-movement.model.js';
import { ensureLevel, levelChangeUpdate, type Lineage } from './level-change.js';
import { logMovementOnce, markMovementFinal, type MovementOutcome } from './log-movement.js';

/** Goods sold and taken away at a store till (a POS sale): they left stock without a reservation. */
export interface CarryOutSaleInput {
  readonly orderId: string;
  readonly locationId: string;
  readonly lines: readonly { readonly sku: string; readonly quantity: number }[];
  /** When the sale happened at the till: the movements' occurredAt. */
  readonly occurredAt: Date;
}

const MAX_ATTEMPTS = 8;

/** The movement-log key of a carry-out sale's SKU: one SALE per (order, SKU), whatever redelivers it. */
export const carryOutSaleKey = (orderId: string, sku: string) => `sale:${orderId}:${sku}`;

/** The note a SALE carries when more units were sold than inventory had on record. */
export const soldBeyondStockReason = (units: number) => `sold beyond recorded stock: ${units} units`;

/**
 * Records a carry-out sale: per SKU (lines of the same SKU summed) one SALE movement at the
 * location, logged once under `sale:<orderId>:<sku>` and settled once on the level, publishing
 * stock-movement-recorded and availability-changed like every movement. The sale happened, so it
 * always applies, but only to free stock (on hand minus reserved): units held for customers' orders
 * stay held, so a later pickup or shipment can still commit them and on hand never goes negative.
 * Units sold beyond free stock stay on the movement's reason ("sold beyond recorded stock: N units")
 * and are logged as a warning: the shelf and the record disagree, so the SKU needs a cycle count. Safe to repeat or resume after a crash. Throws for an unknown
 * location (the bus retries, then dead-letters the event).
 */
export async function recordCarryOutSale(models: InventoryModels, lineage: Lineage, input: CarryOutSaleInput, logger: Logger): Promise<MovementRecord[]> {
  if (!(await models.locations.exists({ _id: input.locationId })))
    throw new Error(`carry-out sale of order ${input.orderId} at unknown location ${input.locationId}`);
  const units = new Map<string, number>();
  for (const line of input.lines) units.set(line.sku, (units.get(line.sku) ?? 0) + line.quantity);
  const settled: MovementRecord[] = [];
  for (const [sku, quantity] of units) {
    const movement = await logSale(models, lineage, input, sku, quantity);
    const result = await settleCarryOutSale(models, movement);
    if (result.reason && result !== movement)
      logger.warn(
        { orderId: input.orderId, sku, locationId: input.locationId, movementId: result._id, reason: result.reason },
        'till sold more than recorded on hand; count this SKU',
      );
    settled.push(result);
  }
  return settled;
}

async function logSale(models: InventoryModels, lineage: Lineage, input: CarryOutSaleInput, sku: string, quantity: number): Promise<MovementRecord> {
  const movement: MovementRecord = {
    _id: `mov_${randomUUID()}`,
    idempotencyKey: carryOutSaleKey(input.orderId, sku),
    sku,
    locationId: input.locationId,
    type: 'SALE',
    quantity,
    quantityDelta: 0,
    status: 'PENDING',
    occurredAt: input.occurredAt,
    reason: null,
    correlationId: lineage.correlationId,
    orderId: input.orderId,
    reservationId: null,
    recordedBy: null,
  };
  return logMovementOnce(models, movement);
}

/**
 * Settles a logged carry-out SALE (no reservation) on its level, exactly once: the amount taken is
 * min(quantity, on hand - reserved), applied by an update guarded on the on hand and reserved just
 * read (a reservation or release meanwhile makes it decide again) and on the movement
 * not yet being decided there (the decision marker), retried when the level changed meanwhile.
 * Returns the movement as stored once final (unchanged when it already was).
 */
export async function settleCarryOutSale(models: InventoryModels, movement: MovementRecord): Promise<MovementRecord> {
  if (movement.status !== 'PENDING') return movement;
  const { sku, locationId, _id: movementId } = movement;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await models.levels.findOne({ sku, locationId }, { changes: 0 }).lean<StockLevelRecord>();
    if (!current) {
      await ensureLevel(models, sku, locationId);
      continue;
    }
    const earlier = current.decisions.find((decision) => decision.movementId === movementId);
    if (earlier) return finalise(models, movement, earlier.quantityDelta, current);
    const taken = Math.min(movement.quantity, Math.max(0, current.onHand - current.reserved));
    const update = levelChangeUpdate(
      movementId,
      { onHand: -taken },
      { correlationId: movement.correlationId },
      {
        movementId,
        type: 'SALE',
        quantity: movement.quantity,
        orderId: movement.orderId ?? null,
        transferId: null,
        reason: reasonOf(movement.quantity, -taken),
      },
    );
    const applied = await models.levels
      .findOneAndUpdate({ sku, locationId, onHand: current.onHand, reserved: current.reserved, 'decisions.movementId': { $ne: movementId } }, update, {
        returnDocument: 'after',
        projection: LEVEL_PROJECTION,
      })
      .lean<StockLevelRecord & { _id: unknown }>();
    if (applied) {
      announceEvents(models.levels);
      return finalise(models, movement, -taken, applied);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * (attempt + 1)));
  }
  throw stockContention(sku, locationId);
}

/** The shortfall note, derived from what was sold and what was taken (so every settler derives the same). */
function reasonOf(quantity: number, quantityDelta: number): string | null {
  const beyond = quantity + quantityDelta;
  return beyond > 0 ? soldBeyondStockReason(beyond) : null;
}

async function finalise(models: InventoryModels, movement: MovementRecord, quantityDelta: number, level: StockLevelRecord): Promise<MovementRecord> {
  const beyond = movement.quantity + quantityDelta;
  const set: MovementOutcome = {
    status: 'APPLIED',
    quantityDelta,
    level: snapshotOf(level),
    reason: reasonOf(movement.quantity, quantityDelta),
    ...(beyond > 0 ? { unitsBeyondStock: beyond } : {}),
  };
  return markMovementFinal(models, movement._id, set);
}
