import { money, type CurrencyCode, type MoneyValue } from '@mesh/server-kit';
import { normalBalance, type AccountRecord } from '../models/account.model.js';
import type { LedgerModels } from '../models/index.js';
import { INT64_AS_BIGINT, toBigInt } from '../models/int64.js';

/** One account's debits, credits and normal-side balance in a trial balance. */
export interface TrialBalanceLineValue {
  readonly account: AccountRecord;
  readonly debit: MoneyValue;
  readonly credit: MoneyValue;
  readonly balance: MoneyValue;
}

/** A trial balance as the resolvers serve it. */
export interface TrialBalanceReport {
  readonly asOf: Date;
  readonly currency: CurrencyCode;
  readonly totalDebit: MoneyValue;
  readonly totalCredit: MoneyValue;
  readonly balanced: boolean;
  readonly lines: readonly TrialBalanceLineValue[];
}

/**
 * Aggregates the journal itself (not the stored balances) up to `asOf`: one `$group` per account
 * over Int64 amounts, which MongoDB sums exactly. Totals include every posted line, so an
 * unbalanced journal cannot hide behind the chart.
 */
export async function trialBalance(models: LedgerModels, args: { asOf?: Date | null; currency: CurrencyCode }): Promise<TrialBalanceReport> {
  const asOf = args.asOf ?? new Date();
  const [accounts, sums] = await Promise.all([
    models.accounts.find().sort({ _id: 1 }).lean<AccountRecord[]>(),
    models.entries
      .aggregate<{ _id: string; debit: unknown; credit: unknown }>([
        { $match: { currency: args.currency, postedAt: { $lte: asOf } } },
        { $unwind: '$lines' },
        { $group: { _id: '$lines.accountCode', debit: { $sum: '$lines.debitMinor' }, credit: { $sum: '$lines.creditMinor' } } },
      ])
      .option(INT64_AS_BIGINT),
  ]);
  const byCode = new Map(sums.map((row) => [row._id, { debit: toBigInt(row.debit), credit: toBigInt(row.credit) }]));
  const totalDebit = sums.reduce((sum, row) => sum + toBigInt(row.debit), 0n);
  const totalCredit = sums.reduce((sum, row) => sum + toBigInt(row.credit), 0n);
  const lines = accounts.map((account) => {
    const { debit, credit } = byCode.get(account._id) ?? { debit: 0n, credit: 0n };
    return {
      account,
      debit: money(debit, args.currency),
      credit: money(credit, args.currency),
      balance: money(normalBalance(account.type, debit, credit), args.currency),
    };
  });
  return {
    asOf,
    currency: args.currency,
    totalDebit: money(totalDebit, args.currency),
    totalCredit: money(totalCredit, args.currency),
    balanced: totalDebit === totalCredit,
    lines,
  };
}
