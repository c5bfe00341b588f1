import { Schema, type Connection, type Model } from 'mongoose';
import { pendingEventsPlugin, type AnyEnvelope } from '@mesh/events';
import type { CurrencyCode } from '@mesh/server-kit';

/** One aggregated line of a day's journal export: an account at a store in a channel, debit or credit side. */
export interface ExportLineRecord {
  accountCode: string;
  accountName: string;
  /** The store or warehouse of the postings; empty for postings without one (opening balances, fees). */
  locationId: string;
  /** The sales channel of the postings; empty for postings without one. */
  channel: string;
  debitMinor: bigint;
  creditMinor: bigint;
  /** How many journal lines this line sums. */
  lineCount: number;
}

/** The journal of a closed day as exported to the ERP: taken once, identical on every later ask. */
export interface JournalExportRecord {
  batchId: string;
  generatedAt: Date;
  entryCount: number;
  /** Total debits = total credits of the day. */
  controlTotalMinor: bigint;
  lines: ExportLineRecord[];
}

/**
 * A closed business day of one currency (`_id` is `<currency>|<YYYY-MM-DD>`). Written once by the
 * close (a single insert, so a day closes exactly once); postings dated into it are moved to the
 * next open day. `journalExport` is set once, by the first export after the close.
 */
export interface ClosedDayRecord {
  _id: string;
  currency: CurrencyCode;
  date: string;
  closedAt: Date;
  /** The close command's idempotency key: repeating it answers with this record. */
  idempotencyKey: string;
  closedBy: string;
  correlationId: string;
  journalExport?: JournalExportRecord;
  /** `ledger.business-day-closed`, recorded by the write that stores the export, until the relay publishes it. */
  pendingEvents?: AnyEnvelope[];
}

const exportLineSchema = new Schema<ExportLineRecord>(
  {
    accountCode: { type: String, required: true },
    accountName: { type: String, required: true },
    locationId: { type: String, default: '' },
    channel: { type: String, default: '' },
    debitMinor: { type: BigInt, required: true },
    creditMinor: { type: BigInt, required: true },
    lineCount: { type: Number, required: true },
  },
  { _id: false },
);

const closedDaySchema = new Schema<ClosedDayRecord>(
  {
    _id: { type: String, required: true },
    currency: { type: String, required: true, enum: ['USD', 'EUR'] },
    date: { type: String, required: true },
    closedAt: { type: Date, required: true },
    idempotencyKey: { type: String, required: true },
    closedBy: { type: String, required: true },
    correlationId: { type: String, required: true },
    journalExport: {
      type: new Schema<JournalExportRecord>(
        {
          batchId: { type: String, required: true },
          generatedAt: { type: Date, required: true },
          entryCount: { type: Number, required: true },
          controlTotalMinor: { type: BigInt, required: true },
          lines: { type: [exportLineSchema], required: true },
        },
        { _id: false },
      ),
      required: false,
    },
  },
  { versionKey: false, collection: 'closed_days' },
);
closedDaySchema.plugin(pendingEventsPlugin);

export type ClosedDayModel = Model<ClosedDayRecord>;

export function registerClosedDayModel(connection: Connection): ClosedDayModel {
  return connection.model<ClosedDayRecord>('ClosedDay', closedDaySchema);
}
