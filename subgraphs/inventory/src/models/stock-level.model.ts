import { Schema, type Connection, type Model } from 'mongoose';
import type { CurrencyCode } from '@mesh/server-kit';

/** The quantities of one (SKU, location), as reported to clients and kept with each movement. */
export interface LevelSnapshot {
  sku: string;
  locationId: string;
  onHand: number;
  reserved: number;
  inTransit: number;
  safetyStock: number;
  updatedAt: Date;
}

/** How a movement was decided on a level; kept on the level so a decision is made exactly once. */
export interface MovementDecision {
  movementId: string;
  /** Change applied to on hand (0 when rejected). */
  quantityDelta: number;
  applied: boolean;
}

/** A movement applied by a level change, carried so its stock-movement-recorded event can be derived. */
export interface ChangeMovement {
  movementId: string;
  /** The id of its stock-movement-recorded envelope. */
  eventId: string;
  type: string;
  quantity: number;
  orderId?: string | null;
  transferId?: string | null;
  reason?: string | null;
  /** The SKU's unit cost in the location's currency when applied; null when inventory knew none. */
  unitCostMinor?: number | null;
  currency?: CurrencyCode | null;
}

/**
 * One applied change of a level, pushed by the very update that applies it: the level's outbox.
 * Deltas only; the quantities right after the change are the level's current ones minus the
 * deltas of every later queued change, which the relay source derives (see level-events.source).
 */
export interface LevelChange {
  /** A UUID: the id of the availability-changed envelope derived from it. */
  id: string;
  /** The decision marker of the change (a movement id, or a reservation/transfer step). */
  marker: string;
  at: Date;
  onHand: number;
  reserved: number;
  inTransit: number;
  correlationId: string;
  causationId?: string | null;
  movement?: ChangeMovement | null;
}

/**
 * Stock of one SKU at one location as stored. `free` (onHand - reserved) and `atp`
 * (onHand - reserved - safetyStock) are denormalised and changed inside the same atomic update
 * as the quantities they derive from, so that guards are plain filters (`free: { $gte: q }`).
 */
export interface StockLevelRecord extends LevelSnapshot {
  free: number;
  atp: number;
  /** The most recent decisions (newest last, capped): the marker that makes re-application a no-op. */
  decisions: MovementDecision[];
  /** Changes whose events are not yet published (absent or empty when none). */
  changes?: LevelChange[];
}

/** How many movement decisions a level remembers; a movement settled later than this many others would be re-applied. */
export const DECISION_WINDOW = 200;

const decisionSchema = new Schema<MovementDecision>(
  {
    movementId: { type: String, required: true },
    quantityDelta: { type: Number, required: true },
    applied: { type: Boolean, required: true },
  },
  { _id: false },
);

const stockLevelSchema = new Schema<StockLevelRecord>(
  {
    sku: { type: String, required: true },
    locationId: { type: String, required: true },
    onHand: { type: Number, required: true, validate: Number.isSafeInteger },
    reserved: { type: Number, required: true, min: 0, validate: Number.isSafeInteger },
    inTransit: { type: Number, required: true, min: 0, validate: Number.isSafeInteger },
    safetyStock: { type: Number, required: true, min: 0, validate: Number.isSafeInteger },
    free: { type: Number, required: true },
    atp: { type: Number, required: true },
    decisions: { type: [decisionSchema], default: [] },
    changes: { type: [Schema.Types.Mixed], default: undefined },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'stock_levels' },
);
stockLevelSchema.index({ sku: 1, locationId: 1 }, { unique: true });
stockLevelSchema.index({ locationId: 1, sku: 1 });
stockLevelSchema.index({ 'changes.id': 1 }, { sparse: true });

/** Projection for reads that never need the decision markers. */
export const LEVEL_PROJECTION = { decisions: 0, changes: 0 } as const;

/** Units that can be sold: on hand minus reserved minus safety stock, never below zero. */
export function availableToSell(level: LevelSnapshot): number {
  return Math.max(0, level.onHand - level.reserved - level.safetyStock);
}

/** The client-facing quantities of a stored level (drops markers and denormalised fields). */
export function snapshotOf(level: LevelSnapshot): LevelSnapshot {
  const { sku, locationId, onHand, reserved, inTransit, safetyStock, updatedAt } = level;
  return { sku, locationId, onHand, reserved, inTransit, safetyStock, updatedAt };
}

export type StockLevelModel = Model<StockLevelRecord>;

export function registerStockLevelModel(connection: Connection): StockLevelModel {
  return (connection.models['StockLevel'] as StockLevelModel | undefined) ?? connection.model<StockLevelRecord>('StockLevel', stockLevelSchema);
}
