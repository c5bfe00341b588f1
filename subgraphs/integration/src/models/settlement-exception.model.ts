import { Schema, type Connection, type Model } from 'mongoose';
import type { CurrencyCode } from '@mesh/server-kit';

/** CHARGEBACK is no longer raised (chargebacks are posted); it stays for exceptions earlier imports recorded. */
export const SETTLEMENT_EXCEPTION_CODES = ['UNMATCHED_REFERENCE', 'AMOUNT_MISMATCH', 'CURRENCY_MISMATCH', 'CHARGEBACK'] as const;
export type SettlementExceptionCode = (typeof SETTLEMENT_EXCEPTION_CODES)[number];
export type SettlementExceptionStatus = 'OPEN' | 'RESOLVED';

/**
 * A settlement line that did not match the mesh's payments (`_id` is `<report id>:<line id>`),
 * inserted once (a re-import never reopens or changes it) and resolved by operations.
 */
export interface SettlementExceptionRecord {
  _id: string;
  reportId: string;
  lineId: string;
  lineType: string;
  reference: string;
  code: SettlementExceptionCode;
  message: string;
  currency: CurrencyCode;
  /** What the provider reported (gross, signed). */
  reportedMinor: number;
  /** What the mesh recorded for the order (captured or refunded); null when the order is unknown. */
  recordedMinor: number | null;
  status: SettlementExceptionStatus;
  createdAt: Date;
  resolvedAt?: Date;
  resolvedBy?: string;
  resolution?: string;
}

const settlementExceptionSchema = new Schema<SettlementExceptionRecord>(
  {
    _id: { type: String, required: true },
    reportId: { type: String, required: true },
    lineId: { type: String, required: true },
    lineType: { type: String, required: true },
    reference: { type: String, default: '' },
    code: { type: String, required: true, enum: SETTLEMENT_EXCEPTION_CODES },
    message: { type: String, required: true },
    currency: { type: String, required: true, enum: ['USD', 'EUR'] },
    reportedMinor: { type: Number, required: true },
    recordedMinor: { type: Number, default: null },
    status: { type: String, required: true, enum: ['OPEN', 'RESOLVED'] },
    createdAt: { type: Date, required: true },
    resolvedAt: Date,
    resolvedBy: String,
    resolution: String,
  },
  { versionKey: false, collection: 'settlement_exceptions' },
);
// The operations queue: open exceptions, oldest first.
settlementExceptionSchema.index({ status: 1, createdAt: 1 });
settlementExceptionSchema.index({ reportId: 1 });

export type SettlementExceptionModel = Model<SettlementExceptionRecord>;

export function registerSettlementExceptionModel(connection: Connection): SettlementExceptionModel {
  return connection.model<SettlementExceptionRecord>('SettlementException', settlementExceptionSchema);
}
