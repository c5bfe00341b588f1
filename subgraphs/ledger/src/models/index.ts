import type { Connection } from 'mongoose';
import { registerAccountBalanceModel, type AccountBalanceModel } from './account-balance.model.js';
import { registerAccountModel, type AccountModel } from './account.model.js';
import { registerJournalEntryModel, type JournalEntryModel } from './journal-entry.model.js';

export interface LedgerModels {
  readonly accounts: AccountModel;
  readonly entries: JournalEntryModel;
  readonly balances: AccountBalanceModel;
}

export function createLedgerModels(connection: Connection): LedgerModels {
  return {
    accounts: registerAccountModel(connection),
    entries: registerJournalEntryModel(connection),
    balances: registerAccountBalanceModel(connection),
  };
}
