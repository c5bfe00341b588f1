import { Schema, type Connection, type Model } from 'mongoose';
import type { CurrencyCode } from '@mesh/server-kit';

export type SettlementReportStatus = 'RECEIVED' | 'POSTED';

/**
 * One imported settlement report (`_id` is `<provider>:<settlement id>`), inserted once when its
 * file passed the checks; the import finishes it (POSTED). Importing the same file again finds it
 * and changes nothing; a RECEIVED one (an import interrupted by an outage) is finished instead.
 */
export interface SettlementReportRecord {
  _id: string;
  provider: string;
  settlementId: string;
  currency: CurrencyCode;
  /** SHA-256 of the file as imported: the same id with other contents is refused. */
  fileSha256: string;
  lineCount: number;
  feeTotalMinor: number;
  payoutMinor: number;
  status: SettlementReportStatus;
  importedAt: Date;
  postedAt?: Date;
  /** Lines matched to an order's payment. */
  matchedLines: number;
  /** Lines that became settlement exceptions. */
  exceptionCount: number;
  /** The ledger entries the fees and the payout were posted as. */
  journalEntryIds: string[];
  correlationId: string;
}

const settlementReportSchema = new Schema<SettlementReportRecord>(
  {
    _id: { type: String, required: true },
    provider: { type: String, required: true },
    settlementId: { type: String, required: true },
    currency: { type: String, required: true, enum: ['USD', 'EUR'] },
    fileSha256: { type: String, required: true },
    lineCount: { type: Number, required: true },
    feeTotalMinor: { type: Number, required: true },
    payoutMinor: { type: Number, required: true },
    status: { type: String, required: true, enum: ['RECEIVED', 'POSTED'] },
    importedAt: { type: Date, required: true },
    postedAt: Date,
    matchedLines: { type: Number, default: 0 },
    exceptionCount: { type: Number, default: 0 },
    journalEntryIds: { type: [String], default: [] },
    correlationId: { type: String, required: true },
  },
  { versionKey: false, collection: 'settlement_reports' },
);
settlementReportSchema.index({ importedAt: -1 });

export type SettlementReportModel = Model<SettlementReportRecord>;

export function registerSettlementReportModel(connection: Connection): SettlementReportModel {
  return connection.model<SettlementReportRecord>('SettlementReport', settlementReportSchema);
}
