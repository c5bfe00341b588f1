import { Schema, type Connection, type Model } from 'mongoose';
import { pendingEventsPlugin, type WithPendingEvents } from '@mesh/events';

/**
 * PENDING: lines being decided. HELD: every line reserved. REJECTED: a line was short; nothing is
 * held. RELEASING / COMMITTING: a release or commit claimed it and is giving its lines back or
 * turning them into sales. RELEASED, EXPIRED (released by the expiry job), COMMITTED: final.
 */
export type ReservationStatus = 'PENDING' | 'HELD' | 'REJECTED' | 'RELEASING' | 'RELEASED' | 'EXPIRED' | 'COMMITTING' | 'COMMITTED';
export const RESERVATION_STATUSES = ['PENDING', 'HELD', 'REJECTED', 'RELEASING', 'RELEASED', 'EXPIRED', 'COMMITTING', 'COMMITTED'] as const;

/** Where one line stands; kept on the reservation so a resumed step never repeats a line. */
export type ReservationLineState = 'PENDING' | 'HELD' | 'SHORT' | 'RELEASED' | 'COMMITTED';

export interface ReservationLine {
  sku: string;
  quantity: number;
  state: ReservationLineState;
  /** SHORT: units that were available when the line was decided. */
  available?: number | null;
  /** COMMITTED: the SALE movement. */
  movementId?: string | null;
}

export type ReleaseReason = 'ORDER_CANCELLED' | 'ORDER_REJECTED' | 'EXPIRED';

/** Stock held for one order at one location, all lines or none; `key` is the caller's reservation key. */
export interface ReservationRecord extends WithPendingEvents {
  _id: string;
  key: string;
  /** Hash of what was asked under the key. */
  fingerprint: string;
  orderId: string;
  locationId: string;
  lines: ReservationLine[];
  status: ReservationStatus;
  expiresAt: Date;
  createdAt: Date;
  updatedAt: Date;
  releaseReason?: ReleaseReason | null;
  correlationId: string;
  causationId?: string | null;
}

const lineSchema = new Schema<ReservationLine>(
  {
    sku: { type: String, required: true },
    quantity: { type: Number, required: true, min: 1 },
    state: { type: String, required: true, enum: ['PENDING', 'HELD', 'SHORT', 'RELEASED', 'COMMITTED'] },
    available: { type: Number },
    movementId: { type: String },
  },
  { _id: false },
);

const reservationSchema = new Schema<ReservationRecord>(
  {
    _id: { type: String, required: true },
    key: { type: String, required: true },
    fingerprint: { type: String, required: true },
    orderId: { type: String, required: true },
    locationId: { type: String, required: true },
    lines: { type: [lineSchema], required: true },
    status: { type: String, required: true, enum: RESERVATION_STATUSES },
    expiresAt: { type: Date, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    releaseReason: { type: String },
    correlationId: { type: String, required: true },
    causationId: { type: String },
  },
  { versionKey: false, collection: 'reservations' },
);
reservationSchema.plugin(pendingEventsPlugin);
reservationSchema.index({ key: 1 }, { unique: true });
reservationSchema.index({ status: 1, expiresAt: 1 });
reservationSchema.index({ orderId: 1 });
reservationSchema.index({ correlationId: 1 });

export type ReservationModel = Model<ReservationRecord>;

export function registerReservationModel(connection: Connection): ReservationModel {
  return (connection.models['Reservation'] as ReservationModel | undefined) ?? connection.model<ReservationRecord>('Reservation', reservationSchema);
}
