import { Schema, type Connection, type Model } from 'mongoose';
import type { CurrencyCode } from '@mesh/server-kit';

/** One capture or refund the order domain reported, keyed so that a redelivered event is recorded once. */
export interface SummaryMovement {
  /** The journal source id of the posting it should have (capture: idempotency key; refund: refund id). */
  key: string;
  amountMinor: number;
  /** The event's occurredAt: the day it belongs to in reconciliation. */
  at: Date;
}

/**
 * What the order domain has told the ledger about one order (`_id` is the order id), kept from
 * order events only: its attribution, its total, and every capture and refund. Reconciliation
 * compares it with the postings. Each movement is pushed by a single guarded update.
 */
export interface OrderSummaryRecord {
  _id: string;
  channel?: string;
  locationId?: string;
  currency?: CurrencyCode;
  customerId?: string;
  orderTotalMinor?: number;
  captures: SummaryMovement[];
  refunds: SummaryMovement[];
}

const movementSchema = new Schema<SummaryMovement>(
  { key: { type: String, required: true }, amountMinor: { type: Number, required: true }, at: { type: Date, required: true } },
  { _id: false },
);

const orderSummarySchema = new Schema<OrderSummaryRecord>(
  {
    _id: { type: String, required: true },
    channel: String,
    locationId: String,
    currency: { type: String, enum: ['USD', 'EUR'] },
    customerId: String,
    orderTotalMinor: Number,
    captures: { type: [movementSchema], default: [] },
    refunds: { type: [movementSchema], default: [] },
  },
  { versionKey: false, collection: 'order_summaries' },
);
orderSummarySchema.index({ 'captures.at': 1 });
orderSummarySchema.index({ 'refunds.at': 1 });

export type OrderSummaryModel = Model<OrderSummaryRecord>;

export function registerOrderSummaryModel(connection: Connection): OrderSummaryModel {
  return connection.model<OrderSummaryRecord>('OrderSummary', orderSummarySchema);
}
