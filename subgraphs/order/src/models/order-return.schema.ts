import { Schema } from 'mongoose';
import type { RefundReason, ReturnDisposition, ReturnReason } from '../__generated__/schema-types.js';

export const RETURN_REASONS = [
  'DAMAGED_IN_TRANSIT',
  'DEFECTIVE',
  'NOT_AS_DESCRIBED',
  'WRONG_ITEM',
  'DOES_NOT_FIT',
  'CHANGED_MIND',
] as const satisfies readonly ReturnReason[];
export const RETURN_DISPOSITIONS = ['SELLABLE', 'DAMAGED'] as const satisfies readonly ReturnDisposition[];
export const REFUND_REASONS = ['RETURN', 'GOODWILL', 'PRICE_ADJUSTMENT', 'LATE_DELIVERY', 'OTHER'] as const satisfies readonly RefundReason[];

/** One line of a return: units of one order line, and once received their disposition and refund. */
export interface ReturnLineRecord {
  lineNumber: number;
  sku: string;
  quantity: number;
  disposition?: ReturnDisposition;
  /** What these units refund: unit price x quantity + their share of the line's tax. */
  refundMinor?: number;
  /** The tax part of refundMinor. */
  taxMinor?: number;
}

/**
 * A return of an order, kept on the order. REQUESTED: its units are claimed on the order lines
 * (`claimedQuantity`), nothing is refunded yet. COMPLETED: received at a location and refunded in
 * the same write (`returnedQuantity`, `payment.refundedMinor`).
 */
export interface ReturnRecord {
  _id: string;
  /** The createReturn key; a repeat of it answers with this return. */
  idempotencyKey: string;
  /** Fingerprint of the createReturn request: the same key with another request is refused. */
  requestHash: string;
  status: 'REQUESTED' | 'COMPLETED';
  reason: ReturnReason;
  lines: ReturnLineRecord[];
  requestedAt: Date;
  requestedBy?: string;
  /** The receiveReturn key; a repeat of it answers with the received return. */
  receiveKey?: string;
  receivedAt?: Date;
  receivedAtLocationId?: string;
  refundMinor?: number;
  refundTaxMinor?: number;
  /** The refund paid for it (see OrderRecord.refunds). */
  refundId?: string;
}

/** One refund paid back to the customer: for a received return, or a goodwill refund without goods. */
export interface RefundRecord {
  _id: string;
  reason: RefundReason;
  amountMinor: number;
  taxMinor: number;
  at: Date;
  returnId?: string;
  /** The refundPayment key (goodwill refunds); a repeat of it answers with this refund. */
  idempotencyKey?: string;
  requestHash?: string;
  /** payment.refundedMinor right after this refund. */
  refundedTotalMinor: number;
}

const minor = { type: Number, min: 0, validate: Number.isSafeInteger } as const;

const returnLineSchema = new Schema<ReturnLineRecord>(
  {
    lineNumber: { type: Number, required: true, min: 1 },
    sku: { type: String, required: true },
    quantity: { type: Number, required: true, min: 1, validate: Number.isSafeInteger },
    disposition: { type: String, enum: RETURN_DISPOSITIONS },
    refundMinor: minor,
    taxMinor: minor,
  },
  { _id: false },
);

export const returnSchema = new Schema<ReturnRecord>({
  _id: { type: String, required: true },
  idempotencyKey: { type: String, required: true },
  requestHash: { type: String, required: true },
  status: { type: String, required: true, enum: ['REQUESTED', 'COMPLETED'] },
  reason: { type: String, required: true, enum: RETURN_REASONS },
  lines: { type: [returnLineSchema], required: true },
  requestedAt: { type: Date, required: true },
  requestedBy: String,
  receiveKey: String,
  receivedAt: Date,
  receivedAtLocationId: String,
  refundMinor: minor,
  refundTaxMinor: minor,
  refundId: String,
});

export const refundSchema = new Schema<RefundRecord>({
  _id: { type: String, required: true },
  reason: { type: String, required: true, enum: REFUND_REASONS },
  amountMinor: { ...minor, required: true },
  taxMinor: { ...minor, required: true },
  at: { type: Date, required: true },
  returnId: String,
  idempotencyKey: String,
  requestHash: String,
  refundedTotalMinor: { ...minor, required: true },
});
