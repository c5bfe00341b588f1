import { Schema, type Connection, type Model } from 'mongoose';

export type AccountType = 'ASSET' | 'LIABILITY' | 'EQUITY' | 'REVENUE' | 'EXPENSE';

/** An account of the chart of accounts as stored; the code is the id. */
export interface AccountRecord {
  _id: string;
  name: string;
  type: AccountType;
}

const accountSchema = new Schema<AccountRecord>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    type: { type: String, required: true, enum: ['ASSET', 'LIABILITY', 'EQUITY', 'REVENUE', 'EXPENSE'] },
  },
  { versionKey: false, collection: 'accounts' },
);

export type AccountModel = Model<AccountRecord>;

export function registerAccountModel(connection: Connection): AccountModel {
  return connection.model<AccountRecord>('Account', accountSchema);
}

/**
 * The balance of an account on its normal side: debits minus credits for ASSET and EXPENSE
 * accounts, credits minus debits for LIABILITY, EQUITY and REVENUE accounts.
 */
export function normalBalance(type: AccountType, debitMinor: bigint, creditMinor: bigint): bigint {
  return type === 'ASSET' || type === 'EXPENSE' ? debitMinor - creditMinor : creditMinor - debitMinor;
}
