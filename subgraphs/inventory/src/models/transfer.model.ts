import { Schema, type Connection, type Model } from 'mongoose';

/**
 * PENDING: being shipped. REJECTED: too little free stock at the source; nothing moved.
 * IN_TRANSIT: out at the source, counted in the destination's inTransit. RECEIVING: a receipt
 * claimed it. RECEIVED: on hand at the destination.
 */
export type TransferStatus = 'PENDING' | 'REJECTED' | 'IN_TRANSIT' | 'RECEIVING' | 'RECEIVED';

/** Stock moving from one location to another; `key` is the idempotency key that started it. */
export interface TransferRecord {
  _id: string;
  key: string;
  fingerprint: string;
  sku: string;
  fromLocationId: string;
  toLocationId: string;
  quantity: number;
  reason?: string | null;
  status: TransferStatus;
  outMovementId?: string | null;
  inMovementId?: string | null;
  /** REJECTED: free units at the source when it was decided. */
  available?: number | null;
  /** The idempotency key of the receipt that claimed it. */
  receiveKey?: string | null;
  correlationId: string;
  recordedBy?: string | null;
  createdAt: Date;
  receivedAt?: Date | null;
}

const transferSchema = new Schema<TransferRecord>(
  {
    _id: { type: String, required: true },
    key: { type: String, required: true },
    fingerprint: { type: String, required: true },
    sku: { type: String, required: true },
    fromLocationId: { type: String, required: true },
    toLocationId: { type: String, required: true },
    quantity: { type: Number, required: true, min: 1 },
    reason: { type: String },
    status: { type: String, required: true, enum: ['PENDING', 'REJECTED', 'IN_TRANSIT', 'RECEIVING', 'RECEIVED'] },
    outMovementId: { type: String },
    inMovementId: { type: String },
    available: { type: Number },
    receiveKey: { type: String },
    correlationId: { type: String, required: true },
    recordedBy: { type: String },
    createdAt: { type: Date, required: true },
    receivedAt: { type: Date },
  },
  { versionKey: false, collection: 'transfers' },
);
transferSchema.index({ key: 1 }, { unique: true });
transferSchema.index({ status: 1, createdAt: 1 });

export type TransferModel = Model<TransferRecord>;

export function registerTransferModel(connection: Connection): TransferModel {
  return (connection.models['Transfer'] as TransferModel | undefined) ?? connection.model<TransferRecord>('Transfer', transferSchema);
}
