import { isDuplicateKey } from '@mesh/events';
import type { CurrencyCode, Logger } from '@mesh/server-kit';
import { balanceId } from '../models/account-balance.model.js';
import type { LedgerModels } from '../models/index.js';
import { INT64_AS_BIGINT } from '../models/int64.js';
import type { JournalEntryRecord } from '../models/journal-entry.model.js';

/*
 * Why stored balances rather than aggregation on every read: Account.balance is read far more
 * often than entries are posted, and an aggregate over the whole journal grows with history.
 * The journal stays the source of truth (the trial balance aggregates it), and these running
 * totals are kept exact without transactions:
 *   A. `$inc` the balance document and push the entry id to its `pendingEntryIds` in ONE update,
 *      guarded by "id not in pendingEntryIds nor recentEntryIds", so it counts at most once;
 *   B. set the entry's `balancesApplied: true`;
 *   C. move the id from `pendingEntryIds` to the bounded `recentEntryIds`.
 * A crash after A leaves the id pending (never evicted), so re-running A..C is a no-op for the
 * totals; a crash before A leaves `balancesApplied: false`, which the start-up sweep (and any
 * redelivery of the same source) re-applies. `recentEntryIds` stops a late re-apply that read the
 * entry before another process finished C.
 */

/** How many finished entry ids each balance document remembers. */
const RECENT_LIMIT = 500;

type EntryAmounts = Pick<JournalEntryRecord, '_id' | 'currency' | 'lines'>;

/** Adds an entry's lines to its accounts' balances exactly once, however often it is called. */
export async function applyEntryBalances(models: LedgerModels, entry: EntryAmounts): Promise<void> {
  const totals = totalsPerAccount(entry);
  await Promise.all([...totals].map(([code, amounts]) => addOnce(models, entry._id, code, entry.currency, amounts)));
  await models.entries.updateOne({ _id: entry._id }, { $set: { balancesApplied: true } });
  await Promise.all(
    [...totals.keys()].map((code) =>
      models.balances.updateOne(
        { _id: balanceId(code, entry.currency), pendingEntryIds: entry._id },
        { $pull: { pendingEntryIds: entry._id }, $push: { recentEntryIds: { $each: [entry._id], $slice: -RECENT_LIMIT } } },
      ),
    ),
  );
}

/**
 * Start-up repair: applies every entry still marked `balancesApplied: false`, then finishes step C
 * for applied entries whose ids a crash left pending. Returns how many entries it applied.
 */
export async function repairBalances(models: LedgerModels, logger?: Logger): Promise<number> {
  let applied = 0;
  const unapplied = models.entries
    .find({ balancesApplied: false }, { _id: 1, currency: 1, lines: 1 })
    .setOptions(INT64_AS_BIGINT)
    .lean<EntryAmounts[]>()
    .cursor();
  for await (const entry of unapplied) {
    await applyEntryBalances(models, entry);
    applied += 1;
  }
  const stuck = await models.balances
    .find({ 'pendingEntryIds.0': { $exists: true } }, { pendingEntryIds: 1 })
    .lean<{ _id: string; pendingEntryIds: string[] }[]>();
  for (const balance of stuck) {
    const done = await models.entries.find({ _id: { $in: balance.pendingEntryIds }, balancesApplied: true }, { _id: 1 }).lean<{ _id: string }[]>();
    for (const { _id } of done) {
      await models.balances.updateOne(
        { _id: balance._id, pendingEntryIds: _id },
        { $pull: { pendingEntryIds: _id }, $push: { recentEntryIds: { $each: [_id], $slice: -RECENT_LIMIT } } },
      );
    }
  }
  if (applied > 0) logger?.warn({ applied }, 'applied journal entries left unapplied by an earlier crash');
  return applied;
}

async function addOnce(
  models: LedgerModels,
  entryId: string,
  accountCode: string,
  currency: CurrencyCode,
  amounts: { debit: bigint; credit: bigint },
): Promise<void> {
  const _id = balanceId(accountCode, currency);
  const increment = () =>
    models.balances.updateOne(
      { _id, pendingEntryIds: { $ne: entryId }, recentEntryIds: { $ne: entryId } },
      { $inc: { debitMinor: amounts.debit, creditMinor: amounts.credit }, $push: { pendingEntryIds: entryId } },
    );
  if ((await increment()).matchedCount === 1) return;
  // No match: either the entry is already counted, or the balance document does not exist yet.
  // Create it (balance documents are never deleted), then the guarded update is definitive.
  try {
    await models.balances.updateOne(
      { _id },
      { $setOnInsert: { accountCode, currency, debitMinor: 0n, creditMinor: 0n, pendingEntryIds: [], recentEntryIds: [] } },
      { upsert: true, setDefaultsOnInsert: false },
    );
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
  await increment();
}

function totalsPerAccount(entry: EntryAmounts): Map<string, { debit: bigint; credit: bigint }> {
  const totals = new Map<string, { debit: bigint; credit: bigint }>();
  for (const line of entry.lines) {
    const current = totals.get(line.accountCode) ?? { debit: 0n, credit: 0n };
    totals.set(line.accountCode, { debit: current.debit + BigInt(line.debitMinor), credit: current.credit + BigInt(line.creditMinor) });
  }
  return totals;
}
