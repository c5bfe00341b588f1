import { Schema, type Connection, type Model } from 'mongoose';
import type { LevelSnapshot } from './stock-level.model.js';

/** Movements recorded by hand; the other movement types come from the order and transfer workflows. */
export const MANUAL_MOVEMENT_TYPES = ['RECEIPT', 'ADJUSTMENT_IN', 'ADJUSTMENT_OUT', 'DAMAGE', 'CYCLE_COUNT'] as const;
export const MOVEMENT_TYPES = [...MANUAL_MOVEMENT_TYPES, 'SALE', 'RETURN', 'TRANSFER_OUT', 'TRANSFER_IN'] as const;
export type ManualMovementType = (typeof MANUAL_MOVEMENT_TYPES)[number];
export type MovementType = (typeof MOVEMENT_TYPES)[number];

/**
 * PENDING: logged but not yet decided on the level (a crash here is finished by the start-up
 * sweep or by a retry with the same key). APPLIED: on hand changed by quantityDelta.
 * REJECTED: not enough free stock; nothing changed.
 */
export type MovementStatus = 'PENDING' | 'APPLIED' | 'REJECTED';

/** One entry of the append-only movement log, with the outcome a replay returns. */
export interface MovementRecord {
  _id: string;
  idempotencyKey: string;
  /** Hash of the request that used the key; absent for seeded movements. */
  fingerprint?: string;
  sku: string;
  locationId: string;
  type: MovementType;
  /** What was asked: units moved, or the counted on-hand for a cycle count. */
  quantity: number;
  /** Signed change to on hand; for a cycle count known only once it is applied. */
  quantityDelta: number;
  status: MovementStatus;
  occurredAt: Date;
  reason?: string | null;
  correlationId: string;
  orderId?: string | null;
  /** The transfer this movement belongs to (TRANSFER_OUT, TRANSFER_IN). */
  transferId?: string | null;
  /** The reservation a SALE movement committed. */
  reservationId?: string | null;
  recordedBy?: string | null;
  /** APPLIED: the level right after this movement. */
  level?: LevelSnapshot | null;
  /** REJECTED: units that could have been removed when it was decided. */
  available?: number | null;
  /**
   * A till SALE that sold more than was on record: the units beyond it (the shelf and the books
   * disagree, so the SKU needs a cycle count there). Absent otherwise.
   */
  unitsBeyondStock?: number | null;
}

const snapshotSchema = new Schema<LevelSnapshot>(
  {
    sku: String,
    locationId: String,
    onHand: Number,
    reserved: Number,
    inTransit: Number,
    safetyStock: Number,
    updatedAt: Date,
  },
  { _id: false },
);

const movementSchema = new Schema<MovementRecord>(
  {
    _id: { type: String, required: true },
    idempotencyKey: { type: String, required: true },
    fingerprint: { type: String },
    sku: { type: String, required: true },
    locationId: { type: String, required: true },
    type: { type: String, required: true, enum: MOVEMENT_TYPES },
    quantity: { type: Number, required: true, min: 0, validate: Number.isSafeInteger },
    quantityDelta: { type: Number, required: true, validate: Number.isSafeInteger },
    status: { type: String, required: true, enum: ['PENDING', 'APPLIED', 'REJECTED'] },
    occurredAt: { type: Date, required: true },
    reason: { type: String },
    correlationId: { type: String, required: true },
    orderId: { type: String },
    transferId: { type: String },
    reservationId: { type: String },
    recordedBy: { type: String },
    level: { type: snapshotSchema },
    available: { type: Number },
    unitsBeyondStock: { type: Number },
  },
  { versionKey: false, collection: 'stock_movements' },
);
movementSchema.index({ idempotencyKey: 1 }, { unique: true });
movementSchema.index({ sku: 1, locationId: 1, occurredAt: -1, _id: -1 });
movementSchema.index({ locationId: 1, occurredAt: -1, _id: -1 });
movementSchema.index({ occurredAt: -1, _id: -1 });
movementSchema.index({ status: 1, occurredAt: 1 });
movementSchema.index({ correlationId: 1, occurredAt: 1 });
// Stock exceptions, newest first: only the flagged sales are in it.
movementSchema.index({ occurredAt: -1, _id: -1, unitsBeyondStock: 1 }, { partialFilterExpression: { unitsBeyondStock: { $gt: 0 } } });

export type StockMovementModel = Model<MovementRecord>;

export function registerStockMovementModel(connection: Connection): StockMovementModel {
  return (connection.models['StockMovement'] as StockMovementModel | undefined) ?? connection.model<MovementRecord>('StockMovement', movementSchema);
}
