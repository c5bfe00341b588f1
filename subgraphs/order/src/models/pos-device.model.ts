import { Schema, type Connection, type Model } from 'mongoose';

/**
 * How far a store has received one till's transactions: one small document per (store, device),
 * changed only by guarded single-document updates (compare-and-set on `version`). `contiguous` is
 * the highest sequence up to which nothing is missing; `ahead` holds the sequences received above
 * it (so the document stays small once the gaps are filled).
 */
export interface PosDeviceRecord {
  /** `<storeId>:<deviceId>`. */
  _id: string;
  storeId: string;
  deviceId: string;
  contiguous: number;
  /** Received sequences above `contiguous + 1`, ascending. */
  ahead: number[];
  version: number;
  updatedAt: Date;
}

const posDeviceSchema = new Schema<PosDeviceRecord>(
  {
    _id: { type: String, required: true },
    storeId: { type: String, required: true },
    deviceId: { type: String, required: true },
    contiguous: { type: Number, required: true, min: 0 },
    ahead: { type: [Number], default: [] },
    version: { type: Number, required: true, min: 0 },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'pos_devices' },
);
posDeviceSchema.index({ storeId: 1, deviceId: 1 }, { unique: true });

export type PosDeviceModel = Model<PosDeviceRecord>;

export function registerPosDeviceModel(connection: Connection): PosDeviceModel {
  return connection.model<PosDeviceRecord>('PosDevice', posDeviceSchema);
}
