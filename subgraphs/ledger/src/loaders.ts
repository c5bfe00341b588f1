import DataLoader from 'dataloader';
import { loaderOptions, money, type CurrencyCode, type MoneyValue } from '@mesh/server-kit';
import type { AccountBalanceRecord } from './models/account-balance.model.js';
import type { AccountRecord } from './models/account.model.js';
import type { LedgerModels } from './models/index.js';
import { INT64_AS_BIGINT, toBigInt } from './models/int64.js';
import type { JournalEntryRecord } from './models/journal-entry.model.js';
import { customerIdsWithAliases } from './services/merge-customers.service.js';

/** Per-request loaders: every entity and list field of this subgraph reads through these. */
export interface LedgerLoaders {
  readonly accountByCode: DataLoader<string, AccountRecord | null>;
  readonly balancesByAccountCode: DataLoader<string, AccountBalanceRecord[]>;
  readonly entryById: DataLoader<string, JournalEntryRecord | null>;
  /** Oldest first (postedAt, then id). */
  readonly entriesByOrderId: DataLoader<string, JournalEntryRecord[]>;
  /** Net paid per currency (captures minus refunds and reversals, on accounts 1000 and 1100), in currency order, including customers merged into this one. */
  readonly lifetimeValueByCustomerId: DataLoader<string, MoneyValue[]>;
}

/** Where customers' money lands: cash and bank, and card payments clearing. */
export const PAYMENT_ACCOUNT_CODES = ['1000', '1100'] as const;
/** Entries that move a customer's own money: captures in, refunds and reversals out. */
export const CUSTOMER_MONEY_SOURCES = ['ORDER_CAPTURED', 'REFUND', 'REVERSAL'] as const;

export function createLedgerLoaders(models: LedgerModels): LedgerLoaders {
  return {
    accountByCode: new DataLoader(async (codes) => {
      const rows = await models.accounts.find({ _id: { $in: [...codes] } }).lean<AccountRecord[]>();
      const byCode = new Map(rows.map((row) => [row._id, row]));
      return codes.map((code) => byCode.get(code) ?? null);
    }, loaderOptions()),
    balancesByAccountCode: new DataLoader(async (codes) => {
      const rows = await models.balances
        .find({ accountCode: { $in: [...codes] } }, { pendingEntryIds: 0, recentEntryIds: 0 })
        .sort({ currency: 1 })
        .setOptions(INT64_AS_BIGINT)
        .lean<AccountBalanceRecord[]>();
      return codes.map((code) => rows.filter((row) => row.accountCode === code));
    }, loaderOptions()),
    entryById: new DataLoader(async (ids) => {
      const rows = await models.entries
        .find({ _id: { $in: [...ids] } })
        .setOptions(INT64_AS_BIGINT)
        .lean<JournalEntryRecord[]>();
      const byId = new Map(rows.map((row) => [row._id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }, loaderOptions()),
    entriesByOrderId: new DataLoader(async (orderIds) => {
      const rows = await models.entries
        .find({ orderId: { $in: [...orderIds] } })
        .sort({ postedAt: 1, _id: 1 })
        .setOptions(INT64_AS_BIGINT)
        .lean<JournalEntryRecord[]>();
      const grouped = new Map<string, JournalEntryRecord[]>();
      for (const row of rows) if (row.orderId) grouped.set(row.orderId, [...(grouped.get(row.orderId) ?? []), row]);
      return orderIds.map((id) => grouped.get(id) ?? []);
    }, loaderOptions()),
    lifetimeValueByCustomerId: new DataLoader(async (customerIds) => {
      // A survivor's value includes every customer merged into it: entries keep the id they were posted with.
      const members = await customerIdsWithAliases(models, customerIds);
      const rootOf = new Map<string, string>();
      for (const [root, ids] of members) for (const id of ids) if (!rootOf.has(id)) rootOf.set(id, root);
      const rows = await models.entries
        .aggregate<{ _id: { customerId: string; currency: CurrencyCode }; debit: unknown; credit: unknown }>([
          { $match: { customerId: { $in: [...rootOf.keys()] }, 'source.type': { $in: [...CUSTOMER_MONEY_SOURCES] } } },
          { $unwind: '$lines' },
          { $match: { 'lines.accountCode': { $in: [...PAYMENT_ACCOUNT_CODES] } } },
          {
            $group: { _id: { customerId: '$customerId', currency: '$currency' }, debit: { $sum: '$lines.debitMinor' }, credit: { $sum: '$lines.creditMinor' } },
          },
        ])
        .option(INT64_AS_BIGINT);
      const sums = new Map<string, Map<CurrencyCode, bigint>>();
      for (const row of rows) {
        const root = rootOf.get(row._id.customerId);
        if (root === undefined) continue;
        const perCurrency = sums.get(root) ?? new Map<CurrencyCode, bigint>();
        perCurrency.set(row._id.currency, (perCurrency.get(row._id.currency) ?? 0n) + toBigInt(row.debit) - toBigInt(row.credit));
        sums.set(root, perCurrency);
      }
      return customerIds.map((id) =>
        [...(sums.get(id) ?? new Map<CurrencyCode, bigint>())]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([currency, minor]): MoneyValue => money(minor, currency)),
      );
    }, loaderOptions()),
  };
}
