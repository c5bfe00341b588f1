import type { Connection, Model } from 'mongoose';
import { createProcessedEventModel, type ProcessedEventRecord } from '@mesh/events';
import { registerAccountBalanceModel, type AccountBalanceModel } from './account-balance.model.js';
import { registerAccountModel, type AccountModel } from './account.model.js';
import { registerClosedDayModel, type ClosedDayModel } from './closed-day.model.js';
import { registerCustomerAliasModel, type CustomerAliasModel } from './customer-alias.model.js';
import { registerJournalEntryModel, type JournalEntryModel } from './journal-entry.model.js';
import { registerOrderSummaryModel, type OrderSummaryModel } from './order-summary.model.js';

export interface LedgerModels {
  readonly accounts: AccountModel;
  readonly entries: JournalEntryModel;
  readonly balances: AccountBalanceModel;
  /** What the order domain reported per order (reconciliation's expected side). */
  readonly orderSummaries: OrderSummaryModel;
  /** Merged-away customer ids and their survivors. */
  readonly customerAliases: CustomerAliasModel;
  /** Closed business days and their journal exports. */
  readonly closedDays: ClosedDayModel;
  /** The events each ledger consumer has completed (the idempotent-consumer store). */
  readonly processedEvents: Model<ProcessedEventRecord>;
}

export function createLedgerModels(connection: Connection): LedgerModels {
  return {
    accounts: registerAccountModel(connection),
    entries: registerJournalEntryModel(connection),
    balances: registerAccountBalanceModel(connection),
    orderSummaries: registerOrderSummaryModel(connection),
    customerAliases: registerCustomerAliasModel(connection),
    closedDays: registerClosedDayModel(connection),
    processedEvents: createProcessedEventModel(connection),
  };
}
