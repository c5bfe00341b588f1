import { retailDataset, type RetailDataset } from '@mesh/seed-data';
import type { Logger } from '@mesh/server-kit';
import { balanceId, type AccountBalanceRecord } from './models/account-balance.model.js';
import type { LedgerModels } from './models/index.js';
import { INT64_AS_BIGINT, toBigInt } from './models/int64.js';
import type { JournalEntryRecord } from './models/journal-entry.model.js';
import type { OrderSummaryRecord } from './models/order-summary.model.js';

const CHUNK = 2_000;

/**
 * Loads the chart of accounts and the seed journal when they are empty, then the account balances
 * (rebuilt from the journal, so a crash between the two steps is repaired on the next start).
 */
export async function seedLedger(models: LedgerModels, logger: Logger): Promise<void> {
  const started = performance.now();
  const data = retailDataset();
  if ((await models.accounts.estimatedDocumentCount()) === 0) {
    await models.accounts.insertMany(data.accounts.map(({ code, ...rest }) => ({ _id: code, ...rest })), { lean: true });
  }
  let entries = 0;
  if ((await models.entries.estimatedDocumentCount()) === 0) {
    // lean inserts skip mongoose casting: amounts are converted to bigint here so they are stored as Int64.
    const records: JournalEntryRecord[] = data.journalEntries.map(({ id, lines, ...rest }) => ({
      _id: id,
      ...rest,
      lines: lines.map((line) => ({ accountCode: line.accountCode, debitMinor: BigInt(line.debitMinor), creditMinor: BigInt(line.creditMinor) })),
      balancesApplied: true,
      createdAt: rest.postedAt,
    }));
    for (let start = 0; start < records.length; start += CHUNK) {
      await models.entries.insertMany(records.slice(start, start + CHUNK), { lean: true });
    }
    entries = records.length;
  }
  const balances = (await models.balances.estimatedDocumentCount()) === 0 ? await rebuildBalances(models) : 0;
  const summaries = (await models.orderSummaries.estimatedDocumentCount()) === 0 ? await seedOrderSummaries(models, data.journalEntries) : 0;
  if (entries > 0 || balances > 0 || summaries > 0) {
    logger.info({ accounts: data.accounts.length, entries, balances, summaries, ms: Math.round(performance.now() - started) }, 'ledger seeded');
  }
}

/** Balance documents summed from every applied entry; only for an empty balances collection at start-up. */
async function rebuildBalances(models: LedgerModels): Promise<number> {
  const sums = await models.entries
    .aggregate<{ _id: { accountCode: string; currency: AccountBalanceRecord['currency'] }; debit: unknown; credit: unknown }>([
      { $match: { balancesApplied: true } },
      { $unwind: '$lines' },
      { $group: { _id: { accountCode: '$lines.accountCode', currency: '$currency' }, debit: { $sum: '$lines.debitMinor' }, credit: { $sum: '$lines.creditMinor' } } },
    ])
    .option(INT64_AS_BIGINT);
  const docs: AccountBalanceRecord[] = sums.map(({ _id, debit, credit }) => ({
    _id: balanceId(_id.accountCode, _id.currency),
    accountCode: _id.accountCode,
    currency: _id.currency,
    debitMinor: toBigInt(debit),
    creditMinor: toBigInt(credit),
    pendingEntryIds: [],
    recentEntryIds: [],
  }));
  if (docs.length > 0) await models.balances.insertMany(docs, { lean: true });
  return docs.length;
}

/**
 * What the order domain would have reported for the seed history: each seeded capture, so that
 * reconciliation of a seeded day compares the seed's captures with their postings.
 */
async function seedOrderSummaries(models: LedgerModels, journal: RetailDataset['journalEntries']): Promise<number> {
  const docs: OrderSummaryRecord[] = [];
  for (const entry of journal) {
    if (entry.source.type !== 'ORDER_CAPTURED' || !entry.orderId || !entry.channel || !entry.locationId) continue;
    const amountMinor = entry.lines.filter((line) => line.accountCode === '1100').reduce((sum, line) => sum + line.debitMinor - line.creditMinor, 0);
    docs.push({
      _id: entry.orderId,
      channel: entry.channel,
      locationId: entry.locationId,
      currency: entry.currency,
      ...(entry.customerId ? { customerId: entry.customerId } : {}),
      orderTotalMinor: amountMinor,
      captures: [{ key: entry.source.id, amountMinor, at: entry.postedAt }],
      refunds: [],
    });
  }
  for (let start = 0; start < docs.length; start += CHUNK) {
    await models.orderSummaries.insertMany(docs.slice(start, start + CHUNK), { lean: true });
  }
  return docs.length;
}
