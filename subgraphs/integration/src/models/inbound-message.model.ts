import { Schema, type Connection, type Model } from 'mongoose';

/** Who sends messages in: a Shopify storefront, or a carrier or WMS reporting fulfilment milestones. */
export const INBOUND_SYSTEMS = ['shopify', 'fulfilment'] as const;
export type InboundSystem = (typeof INBOUND_SYSTEMS)[number];

export const INBOUND_STATUSES = ['RECEIVED', 'PROCESSED', 'EXCEPTION'] as const;
export type InboundStatus = (typeof INBOUND_STATUSES)[number];

export const EXCEPTION_CODES = [
  'INVALID_PAYLOAD',
  'UNSUPPORTED_TOPIC',
  'NOT_PAID',
  'UNKNOWN_SKU',
  'UNKNOWN_LOCATION',
  'ORDER_NOT_RECORDED',
  'PAYMENT_MISMATCH',
  'COMMAND_REFUSED',
] as const;
export type ExceptionCode = (typeof EXCEPTION_CODES)[number];

/** Why a message could not become a command; fixed (a mapping, the order) and then replayed. */
export interface InboundExceptionRecord {
  code: ExceptionCode;
  message: string;
  at: Date;
}

/**
 * One webhook as it arrived, kept verbatim (the raw body the signature covered): the inbox the
 * worker processes from. `_id` is `<system>:<sender>:<webhook id>`, so a redelivery cannot be
 * recorded twice; it only counts in `duplicateDeliveries`.
 */
export interface InboundMessageRecord {
  _id: string;
  system: InboundSystem;
  sender: string;
  webhookId: string;
  topic: string;
  body: string;
  /** The external order the message is about: messages of one order are processed in arrival order. */
  partitionKey: string;
  receivedAt: Date;
  status: InboundStatus;
  /** When the worker may take it (next): arrival, a retry's backoff, or a claim's lease. */
  nextAttemptAt: Date;
  attempts: number;
  duplicateDeliveries: number;
  correlationId: string;
  lastError?: string;
  exception?: InboundExceptionRecord;
  /** The mesh order the message created or acted on. */
  orderId?: string;
  processedAt?: Date;
}

const inboundMessageSchema = new Schema<InboundMessageRecord>(
  {
    _id: { type: String, required: true },
    system: { type: String, required: true, enum: INBOUND_SYSTEMS },
    sender: { type: String, required: true },
    webhookId: { type: String, required: true },
    topic: { type: String, required: true },
    body: { type: String, required: true },
    partitionKey: { type: String, required: true },
    receivedAt: { type: Date, required: true },
    status: { type: String, required: true, enum: INBOUND_STATUSES },
    nextAttemptAt: { type: Date, required: true },
    attempts: { type: Number, required: true, default: 0 },
    duplicateDeliveries: { type: Number, required: true, default: 0 },
    correlationId: { type: String, required: true },
    lastError: String,
    exception: {
      type: new Schema(
        { code: { type: String, required: true, enum: EXCEPTION_CODES }, message: { type: String, required: true }, at: { type: Date, required: true } },
        { _id: false },
      ),
      default: undefined,
    },
    orderId: String,
    processedAt: Date,
  },
  { versionKey: false, collection: 'inbound_messages' },
);
// The worker's claim: the next due message still to process.
inboundMessageSchema.index({ status: 1, nextAttemptAt: 1 });
// Listings per status, newest first.
inboundMessageSchema.index({ status: 1, receivedAt: -1 });
// Per-order ordering: is an earlier message of this order still waiting?
inboundMessageSchema.index({ partitionKey: 1, status: 1, receivedAt: 1 });

export type InboundMessageModel = Model<InboundMessageRecord>;

export function registerInboundMessageModel(connection: Connection): InboundMessageModel {
  return connection.model<InboundMessageRecord>('InboundMessage', inboundMessageSchema);
}
