import { Schema, type Connection, type Model } from 'mongoose';
import type { CurrencyCode } from '@mesh/server-kit';

/**
 * Running totals of one account in one currency (`_id` is `<accountCode>|<currency>`), moved only
 * by atomic Int64 `$inc`. `pendingEntryIds` and `recentEntryIds` make each entry count exactly once
 * (see services/apply-balances.service.ts).
 */
export interface AccountBalanceRecord {
  _id: string;
  accountCode: string;
  currency: CurrencyCode;
  debitMinor: bigint;
  creditMinor: bigint;
  /** Entries added to the totals whose own `balancesApplied` flag may not be set yet. */
  pendingEntryIds: string[];
  /** The last entries that finished applying; a bounded guard against late duplicate applies. */
  recentEntryIds: string[];
}

const accountBalanceSchema = new Schema<AccountBalanceRecord>(
  {
    _id: { type: String, required: true },
    accountCode: { type: String, required: true },
    currency: { type: String, required: true, enum: ['USD', 'EUR'] },
    debitMinor: { type: BigInt, required: true },
    creditMinor: { type: BigInt, required: true },
    pendingEntryIds: { type: [String], default: [] },
    recentEntryIds: { type: [String], default: [] },
  },
  { versionKey: false, collection: 'account_balances' },
);
accountBalanceSchema.index({ accountCode: 1, currency: 1 });
// The repair sweep asks for balances with a pending entry (`'pendingEntryIds.0': { $exists: true }`):
// a sparse index on the first element holds exactly those, so the sweep reads them and no others.
accountBalanceSchema.index({ 'pendingEntryIds.0': 1 }, { sparse: true });

export type AccountBalanceModel = Model<AccountBalanceRecord>;

export function registerAccountBalanceModel(connection: Connection): AccountBalanceModel {
  return connection.model<AccountBalanceRecord>('AccountBalance', accountBalanceSchema);
}

/** The id of the balance document of one account in one currency. */
export function balanceId(accountCode: string, currency: CurrencyCode): string {
  return `${accountCode}|${currency}`;
}
