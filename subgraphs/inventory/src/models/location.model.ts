import { Schema, type Connection, type Model } from 'mongoose';
import type { CurrencyCode } from '@mesh/server-kit';

export type LocationType = 'STORE' | 'WAREHOUSE' | 'DISTRIBUTION_CENTER';

/** A store, warehouse or distribution centre as stored; `_id` is the public id (loc_nyc01). */
export interface LocationRecord {
  _id: string;
  code: string;
  name: string;
  type: LocationType;
  region: string;
  currency: CurrencyCode;
}

const locationSchema = new Schema<LocationRecord>(
  {
    _id: { type: String, required: true },
    code: { type: String, required: true },
    name: { type: String, required: true },
    type: { type: String, required: true, enum: ['STORE', 'WAREHOUSE', 'DISTRIBUTION_CENTER'] },
    region: { type: String, required: true },
    currency: { type: String, required: true, enum: ['USD', 'EUR'] },
  },
  { versionKey: false, collection: 'locations' },
);
locationSchema.index({ code: 1 }, { unique: true });
locationSchema.index({ type: 1, region: 1, code: 1 });

export type LocationModel = Model<LocationRecord>;

export function registerLocationModel(connection: Connection): LocationModel {
  return (connection.models['Location'] as LocationModel | undefined) ?? connection.model<LocationRecord>('Location', locationSchema);
}
