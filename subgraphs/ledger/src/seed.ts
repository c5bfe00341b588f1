import { isDuplicateKey } from '@mesh/events';
import { CHART_OF_ACCOUNTS, retailDataset, type SeedAccount } from '@mesh/seed-data';
import type { Logger } from '@mesh/server-kit';
import { balanceId, type AccountBalanceRecord } from './models/account-balance.model.js';
import type { LedgerModels } from './models/index.js';
import { INT64_AS_BIGINT, toBigInt } from './models/int64.js';
import type { JournalEntryRecord } from './models/journal-entry.model.js';

const CHUNK = 2_000;

/**
 * Adds the chart's missing accounts, loads the seed journal when it is empty, then the account
 * balances (rebuilt from the journal, so a crash between the two steps is repaired on the next
 * start). The seed journal is master data only: one opening-inventory entry per currency (Dr 1300
 * inventory, Cr 3000 equity) valuing every opening receipt at cost, so account 1300 equals
 * inventory's seeded on hand at cost and postings from later stock movements start from the right
 * value. Every order-derived entry (captures, cost of goods, refunds) is posted by the consumers
 * while the history driver replays the order plan through the workflows.
 */
export async function seedLedger(models: LedgerModels, logger: Logger): Promise<void> {
  const started = performance.now();
  const accounts = await addMissingAccounts(models, CHART_OF_ACCOUNTS);
  let entries = 0;
  if ((await models.entries.estimatedDocumentCount()) === 0) {
    // The data set is generated only here: on a kept database it cost half a second of CPU for nothing.
    // lean inserts skip mongoose casting: amounts are converted to bigint here so they are stored as Int64.
    const records: JournalEntryRecord[] = retailDataset().journalEntries.map(({ id, lines, ...rest }) => ({
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
  if (accounts > 0 || entries > 0 || balances > 0) {
    logger.info({ accounts, entries, balances, ms: Math.round(performance.now() - started) }, 'ledger seeded');
  }
}

/**
 * Adds the chart's accounts the database lacks (all of them when empty; an account added to the
 * chart later, such as 2050, on the next start), leaving existing ones as they are.
 */
async function addMissingAccounts(models: LedgerModels, chart: readonly SeedAccount[]): Promise<number> {
  const known = new Set((await models.accounts.find({}, { _id: 1 }).lean<{ _id: string }[]>()).map((account) => account._id));
  const missing = chart.filter((account) => !known.has(account.code)).map(({ code, ...rest }) => ({ _id: code, ...rest }));
  if (missing.length === 0) return 0;
  try {
    await models.accounts.insertMany(missing, { lean: true, ordered: false });
  } catch (error) {
    // Another replica seeding at the same time inserted some of them first: they exist, as wanted.
    if (!isDuplicateKey(error)) throw error;
  }
  return missing.length;
}

/** Balance documents summed from every applied entry; only for an empty balances collection at start-up. */
async function rebuildBalances(models: LedgerModels): Promise<number> {
  const sums = await models.entries
    .aggregate<{ _id: { accountCode: string; currency: AccountBalanceRecord['currency'] }; debit: unknown; credit: unknown }>([
      { $match: { balancesApplied: true } },
      { $unwind: '$lines' },
      {
        $group: {
          _id: { accountCode: '$lines.accountCode', currency: '$currency' },
          debit: { $sum: '$lines.debitMinor' },
          credit: { $sum: '$lines.creditMinor' },
        },
      },
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
