import { Schema, type Connection, type Model } from 'mongoose';
import type { CurrencyCode } from '@mesh/server-kit';

/** Which mesh order an external order became: `_id` is `<system>:<shop>:<external order id>`. */
export interface OrderLinkRecord {
  _id: string;
  orderId: string;
  currency: CurrencyCode;
  linkedAt: Date;
}

const orderLinkSchema = new Schema<OrderLinkRecord>(
  {
    _id: { type: String, required: true },
    orderId: { type: String, required: true },
    currency: { type: String, required: true, enum: ['USD', 'EUR'] },
    linkedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'order_links' },
);

export type OrderLinkModel = Model<OrderLinkRecord>;

export function registerOrderLinkModel(connection: Connection): OrderLinkModel {
  return connection.model<OrderLinkRecord>('OrderLink', orderLinkSchema);
}
