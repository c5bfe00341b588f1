import { announceEvents, isDuplicateKey } from '@mesh/events';
import { randomUUID } from 'node:crypto';
import type { InventoryModels } from '../models/index.js';
import {
  DECISION_WINDOW,
  LEVEL_PROJECTION,
  type ChangeMovement,
  type LevelChange,
  type MovementDecision,
  type StockLevelRecord,
} from '../models/stock-level.model.js';

/** Signed changes to a level's quantities; free and atp follow from onHand and reserved. */
export interface LevelDelta {
  readonly onHand?: number;
  readonly reserved?: number;
  readonly inTransit?: number;
}

/** Where a change sits in a workflow; copied onto the events derived from it. */
export interface Lineage {
  readonly correlationId: string;
  readonly causationId?: string | null;
}

/** The outcome of one guarded step on a level, decided exactly once per marker. */
export type StepOutcome =
  | { readonly applied: true; readonly level: StockLevelRecord; readonly elsewhere: boolean }
  | { readonly applied: false; readonly level: StockLevelRecord | null; readonly elsewhere: boolean };

export const LEVELS_COLLECTION = 'stock_levels';
const MAX_ATTEMPTS = 8;

/**
 * The single-document update that applies `delta` to a level: the quantities, their
 * denormalised free/atp, the decision marker that makes it happen once, and the change record
 * from which its events are published (the level's own outbox), all in one write.
 */
export function levelChangeUpdate(marker: string, delta: LevelDelta, lineage: Lineage, movement?: Omit<ChangeMovement, 'eventId'>) {
  const onHand = delta.onHand ?? 0;
  const reserved = delta.reserved ?? 0;
  const inTransit = delta.inTransit ?? 0;
  const free = onHand - reserved;
  const at = new Date();
  const change: LevelChange = {
    id: randomUUID(),
    marker,
    at,
    onHand,
    reserved,
    inTransit,
    correlationId: lineage.correlationId,
    causationId: lineage.causationId ?? null,
    movement: movement ? { ...movement, eventId: randomUUID() } : null,
  };
  return {
    $inc: { onHand, reserved, inTransit, free, atp: free },
    $set: { updatedAt: at },
    $push: { ...decisionPush({ movementId: marker, quantityDelta: onHand, applied: true }), changes: change },
  };
}

export function decisionPush(decision: MovementDecision) {
  return { decisions: { $each: [decision], $slice: -DECISION_WINDOW } };
}

/**
 * Applies `delta` to the level of (sku, location) once for `marker`, if `guard` holds; otherwise
 * records the refusal under the same marker (so every concurrent or later attempt with this
 * marker gets the same answer). A level that does not exist refuses (nothing is there to take);
 * `create` makes an empty one first (for steps that add stock).
 */
export async function applyLevelStep(
  models: InventoryModels,
  step: { sku: string; locationId: string; marker: string; delta: LevelDelta; guard: Record<string, unknown>; lineage: Lineage; create?: boolean },
): Promise<StepOutcome> {
  const { sku, locationId, marker } = step;
  const undecided = { sku, locationId, 'decisions.movementId': { $ne: marker } };
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const applied = await models.levels
      .findOneAndUpdate({ ...undecided, ...step.guard }, levelChangeUpdate(marker, step.delta, step.lineage), {
        returnDocument: 'after',
        projection: LEVEL_PROJECTION,
      })
      .lean<StockLevelRecord & { _id: unknown }>();
    if (applied) {
      announceEvents(models.levels);
      return { applied: true, level: applied, elsewhere: false };
    }
    const refused = await models.levels
      .findOneAndUpdate(
        undecided,
        { $push: decisionPush({ movementId: marker, quantityDelta: 0, applied: false }) },
        { returnDocument: 'after', projection: LEVEL_PROJECTION },
      )
      .lean<StockLevelRecord>();
    if (refused) return { applied: false, level: refused, elsewhere: false };
    const current = await models.levels.findOne({ sku, locationId }, { changes: 0 }).lean<StockLevelRecord>();
    if (!current) {
      if (!step.create) return { applied: false, level: null, elsewhere: false };
      await ensureLevel(models, sku, locationId);
      continue;
    }
    const earlier = current.decisions.find((decision) => decision.movementId === marker);
    if (earlier) return earlier.applied ? { applied: true, level: current, elsewhere: true } : { applied: false, level: current, elsewhere: true };
  }
  throw new Error(`level ${sku}@${locationId} kept changing while step ${marker} was decided`);
}

/** Units that can be reserved or sold from a level as read (never below zero). */
export function availableOf(level: StockLevelRecord | null): number {
  return level ? Math.max(0, level.atp) : 0;
}

/** Levels exist for every seeded (SKU, location); a SKU added later gets an empty one on first movement. */
export async function ensureLevel(models: InventoryModels, sku: string, locationId: string): Promise<void> {
  const empty = { onHand: 0, reserved: 0, inTransit: 0, safetyStock: 0, free: 0, atp: 0, decisions: [], updatedAt: new Date() };
  try {
    await models.levels.updateOne({ sku, locationId }, { $setOnInsert: empty }, { upsert: true });
  } catch (error) {
    // Two first movements at once: the other upsert created it, which is all we wanted.
    if (!isDuplicateKey(error)) throw error;
  }
}
