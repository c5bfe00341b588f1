import { Schema, type Connection, type Model } from 'mongoose';

/**
 * A customer id merged away in the customer domain, and the golden record it now belongs to,
 * learnt from `customer.customers-merged`. Kept flat: `survivorId` is always a live record as far
 * as this domain knows (a later merge of the survivor moves its aliases along), so reads need one hop.
 */
export interface CustomerAliasRecord {
  /** The merged-away customer id. */
  _id: string;
  survivorId: string;
  /** When the customer domain merged it (the event's occurredAt). */
  mergedAt: Date;
  /** The envelope that first recorded it. */
  eventId: string;
}

const customerAliasSchema = new Schema<CustomerAliasRecord>(
  {
    _id: { type: String, required: true },
    survivorId: { type: String, required: true },
    mergedAt: { type: Date, required: true },
    eventId: { type: String, required: true },
  },
  { versionKey: false, collection: 'customer_aliases' },
);
customerAliasSchema.index({ survivorId: 1 });

export type CustomerAliasModel = Model<CustomerAliasRecord>;

export function registerCustomerAliasModel(connection: Connection): CustomerAliasModel {
  return connection.model<CustomerAliasRecord>('CustomerAlias', customerAliasSchema);
}
