import type { QueryFilter } from 'mongoose';
import { badUserInput, decodeCursor, identifier, pageSize, toConnection, type Connection } from '@mesh/server-kit';
import type { LedgerModels } from '../models/index.js';
import { INT64_AS_BIGINT } from '../models/int64.js';
import type { JournalEntryRecord } from '../models/journal-entry.model.js';
import type { JournalEntryFilter } from '../__generated__/schema-types.js';

/** A page of journal entries, newest first. */
export interface JournalEntryPage extends Connection<JournalEntryRecord> {
  /** Counted only when the client asks for totalCount. */
  readonly totalCount: () => Promise<number>;
}

/**
 * Journal entries ordered by postedAt descending, then id descending, narrowed by the filter. The
 * cursor is the (postedAt, id) sort key, so pages stay stable while new entries are posted.
 * Throws BAD_USER_INPUT for an oversized page, a malformed cursor, an unknown account code or
 * postedFrom after postedTo.
 */
export async function listJournalEntries(
  models: LedgerModels,
  args: { first?: number | null; after?: string | null; filter?: JournalEntryFilter | null },
): Promise<JournalEntryPage> {
  const first = pageSize(args.first);
  const after = parseCursor(args.after);
  const filter = await buildFilter(models, args.filter ?? undefined);
  const pageFilter: QueryFilter<JournalEntryRecord> = after
    ? { $and: [filter, { $or: [{ postedAt: { $lt: after.postedAt } }, { postedAt: after.postedAt, _id: { $lt: after.id } }] }] }
    : filter;
  const rows = await models.entries
    .find(pageFilter)
    .sort({ postedAt: -1, _id: -1 })
    .limit(first + 1)
    .setOptions(INT64_AS_BIGINT)
    .lean<JournalEntryRecord[]>();
  return {
    ...toConnection(rows, first, (row) => `${row.postedAt.getTime()}|${row._id}`),
    totalCount: () => models.entries.countDocuments(filter).exec(),
  };
}

function parseCursor(cursor: string | null | undefined): { postedAt: Date; id: string } | undefined {
  const decoded = decodeCursor(cursor);
  if (decoded === undefined) return undefined;
  const match = /^(\d{1,15})\|(.+)$/.exec(decoded);
  if (!match?.[1] || !match[2]) throw badUserInput('after is not a valid cursor', { argument: 'after' });
  return { postedAt: new Date(Number(match[1])), id: identifier(match[2], 'after') };
}

async function buildFilter(models: LedgerModels, filter: JournalEntryFilter | undefined): Promise<QueryFilter<JournalEntryRecord>> {
  if (!filter) return {};
  const conditions: QueryFilter<JournalEntryRecord>[] = [];
  if (filter.orderId != null) conditions.push({ orderId: identifier(filter.orderId, 'filter.orderId') });
  if (filter.customerId != null) conditions.push({ customerId: identifier(filter.customerId, 'filter.customerId') });
  if (filter.correlationId != null) conditions.push({ correlationId: identifier(filter.correlationId, 'filter.correlationId') });
  if (filter.accountCode != null) {
    const code = identifier(filter.accountCode, 'filter.accountCode');
    if (!(await models.accounts.exists({ _id: code }))) throw badUserInput(`unknown account code ${code}`, { argument: 'filter.accountCode' });
    conditions.push({ 'lines.accountCode': code });
  }
  if (filter.sourceType != null) {
    if (!/^[A-Z][A-Z0-9_]{0,63}$/.test(filter.sourceType)) throw badUserInput('filter.sourceType must be SCREAMING_CASE', { argument: 'filter.sourceType' });
    conditions.push({ 'source.type': filter.sourceType });
  }
  if (filter.currency != null) conditions.push({ currency: filter.currency });
  if (filter.postedFrom && filter.postedTo && filter.postedFrom > filter.postedTo) {
    throw badUserInput('filter.postedFrom must not be after filter.postedTo', { argument: 'filter.postedFrom' });
  }
  if (filter.postedFrom) conditions.push({ postedAt: { $gte: filter.postedFrom } });
  if (filter.postedTo) conditions.push({ postedAt: { $lte: filter.postedTo } });
  return conditions.length === 0 ? {} : { $and: conditions };
}
