import { Schema, type Connection, type Model } from 'mongoose';

/** One store's hours as stored, keyed by the store id. */
export interface StoreHoursRecord {
  _id: string;
  opensAt: string;
  closesAt: string;
  closedUntil?: Date | null;
  /** The subject of the principal who set them last. */
  updatedBy: string;
}

const storeHoursSchema = new Schema<StoreHoursRecord>(
  {
    _id: { type: String, required: true },
    opensAt: { type: String, required: true },
    closesAt: { type: String, required: true },
    closedUntil: { type: Date },
    updatedBy: { type: String, required: true },
  },
  { versionKey: false, collection: 'store_hours' },
);
storeHoursSchema.index({ closedUntil: 1 }, { sparse: true });

export type StoreHoursModel = Model<StoreHoursRecord>;

export function registerStoreHoursModel(connection: Connection): StoreHoursModel {
  return connection.model<StoreHoursRecord>('StoreHours', storeHoursSchema);
}
