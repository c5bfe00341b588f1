import { Schema, type Connection, type Model } from 'mongoose';

/**
 * A customer id merged away (`_id`) and the survivor it now belongs to. Journal entries keep the
 * customer id they were posted with (they are immutable); lifetime value follows these aliases.
 */
export interface CustomerAliasRecord {
  _id: string;
  survivorId: string;
  mergedAt: Date;
}

const customerAliasSchema = new Schema<CustomerAliasRecord>(
  {
    _id: { type: String, required: true },
    survivorId: { type: String, required: true },
    mergedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'customer_aliases' },
);
customerAliasSchema.index({ survivorId: 1 });

export type CustomerAliasModel = Model<CustomerAliasRecord>;

export function registerCustomerAliasModel(connection: Connection): CustomerAliasModel {
  return connection.model<CustomerAliasRecord>('CustomerAlias', customerAliasSchema);
}
