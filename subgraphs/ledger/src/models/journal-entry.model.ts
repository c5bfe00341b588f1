import { Schema, type Connection, type Model } from 'mongoose';
import type { CurrencyCode } from '@mesh/server-kit';

/** One debit or credit line; amounts are Int64 minor units, exactly one of them above zero. */
export interface JournalLineRecord {
  accountCode: string;
  debitMinor: bigint;
  creditMinor: bigint;
}

/** An immutable journal entry as stored. */
export interface JournalEntryRecord {
  _id: string;
  postedAt: Date;
  memo: string;
  source: { type: string; id: string };
  currency: CurrencyCode;
  correlationId: string;
  lines: JournalLineRecord[];
  orderId?: string;
  customerId?: string;
  channel?: string;
  locationId?: string;
  reversalOf?: string;
  /** The date the posting asked for when that day was already closed (postedAt is then the next open day's start). */
  originalPostedAt?: Date;
  /** False from insert until the entry's lines are added to the account balances (see apply-balances). */
  balancesApplied: boolean;
  createdAt: Date;
}

const isNonNegative = (value: bigint): boolean => value >= 0n;

const lineSchema = new Schema<JournalLineRecord>(
  {
    accountCode: { type: String, required: true },
    // Int64 in MongoDB: per-line amounts fit in 2^31 today, but $sum over Int64 stays Int64, so totals are exact.
    debitMinor: { type: BigInt, required: true, validate: isNonNegative },
    creditMinor: { type: BigInt, required: true, validate: isNonNegative },
  },
  { _id: false },
);

const journalEntrySchema = new Schema<JournalEntryRecord>(
  {
    _id: { type: String, required: true },
    postedAt: { type: Date, required: true },
    memo: { type: String, required: true },
    source: {
      type: { type: String, required: true },
      id: { type: String, required: true },
    },
    currency: { type: String, required: true, enum: ['USD', 'EUR'] },
    correlationId: { type: String, required: true },
    lines: { type: [lineSchema], required: true },
    orderId: String,
    customerId: String,
    channel: String,
    locationId: String,
    reversalOf: String,
    originalPostedAt: Date,
    balancesApplied: { type: Boolean, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'journal_entries' },
);
// Each source event posts exactly once: a second insert for the same source fails with E11000.
journalEntrySchema.index({ 'source.type': 1, 'source.id': 1 }, { unique: true });
journalEntrySchema.index({ postedAt: -1, _id: -1 });
journalEntrySchema.index({ currency: 1, postedAt: 1 });
journalEntrySchema.index({ orderId: 1, postedAt: 1, _id: 1 });
journalEntrySchema.index({ customerId: 1, 'source.type': 1 });
journalEntrySchema.index({ correlationId: 1, postedAt: -1 });
journalEntrySchema.index({ 'lines.accountCode': 1, postedAt: -1 });
journalEntrySchema.index({ balancesApplied: 1 }, { partialFilterExpression: { balancesApplied: false } });

export type JournalEntryModel = Model<JournalEntryRecord>;

export function registerJournalEntryModel(connection: Connection): JournalEntryModel {
  return connection.model<JournalEntryRecord>('JournalEntry', journalEntrySchema);
}
