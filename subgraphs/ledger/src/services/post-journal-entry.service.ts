import { isDuplicateKey } from '@mesh/events';
import { randomUUID } from 'node:crypto';
import { badUserInput, boundedText, identifier, notFound, type CurrencyCode } from '@mesh/server-kit';
import type { LedgerModels } from '../models/index.js';
import { INT64_AS_BIGINT } from '../models/int64.js';
import type { JournalEntryRecord, JournalLineRecord } from '../models/journal-entry.model.js';
import { openPostingDate } from '../closing/open-posting-date.js';
import { applyEntryBalances } from './apply-balances.service.js';

/** A posting request, typically built by an event consumer from a commerce event. */
export interface PostJournalEntryInput {
  /** The causing event; the same source posts at most once. Type: SCREAMING_CASE, e.g. ORDER_CAPTURED. */
  readonly source: { readonly type: string; readonly id: string };
  readonly memo: string;
  readonly currency: CurrencyCode;
  readonly correlationId: string;
  /** When the entry takes effect; defaults to now. Dated into a closed day, it takes effect at the start of the next open day. */
  readonly postedAt?: Date;
  /** At least two; on each exactly one of debitMinor and creditMinor is above zero. */
  readonly lines: readonly { readonly accountCode: string; readonly debitMinor: bigint | number; readonly creditMinor: bigint | number }[];
  readonly orderId?: string;
  readonly customerId?: string;
  readonly channel?: string;
  readonly locationId?: string;
  /** Only for reversals: the reversed entry, with source { type: REVERSAL, id: reversalOf }. */
  readonly reversalOf?: string;
}

/** The entry for the source, and whether this call created it (false: it was posted before). */
export interface PostingResult {
  readonly entry: JournalEntryRecord;
  readonly created: boolean;
}

const MAX_LINES = 200;
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Posts a balanced journal entry exactly once per source and adds it to the account balances.
 * Throws BAD_USER_INPUT (nothing written) when the entry has fewer than two lines, a line that is
 * not exactly one positive integer debit or credit, debits unequal to credits, or an unknown
 * account. Posting a source again returns the first entry unchanged, even under concurrency.
 * An entry dated into a closed day is posted at the start of the next open day instead, with
 * `originalPostedAt` keeping the date it asked for (see closing/open-posting-date.ts).
 */
export async function postJournalEntry(models: LedgerModels, input: PostJournalEntryInput): Promise<PostingResult> {
  const draft = await intoOpenDay(models, validate(input));
  await requireKnownAccounts(models, draft.lines);
  if (draft.reversalOf && !(await models.entries.exists({ _id: draft.reversalOf }))) {
    throw notFound(`journal entry ${draft.reversalOf} does not exist`, { argument: 'reversalOf' });
  }
  let entry: JournalEntryRecord;
  let created = true;
  try {
    entry = (await models.entries.create(draft)).toObject<JournalEntryRecord>();
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    const existing = await models.entries
      .findOne({ 'source.type': draft.source.type, 'source.id': draft.source.id })
      .setOptions(INT64_AS_BIGINT)
      .lean<JournalEntryRecord>();
    if (!existing) throw error;
    entry = existing;
    created = false;
  }
  // A redelivered source whose first posting crashed before its balances moved repairs it here;
  // applying is idempotent, so a concurrent first poster and this call still count it once.
  if (!entry.balancesApplied) {
    await applyEntryBalances(models, entry);
    entry = { ...entry, balancesApplied: true };
  }
  return { entry, created };
}

async function intoOpenDay(models: LedgerModels, draft: JournalEntryRecord): Promise<JournalEntryRecord> {
  const postedAt = await openPostingDate(models, draft.currency, draft.postedAt);
  return postedAt === draft.postedAt ? draft : { ...draft, postedAt, originalPostedAt: draft.postedAt };
}

function validate(input: PostJournalEntryInput): JournalEntryRecord {
  const sourceType = input.source.type;
  if (!/^[A-Z][A-Z0-9_]{0,63}$/.test(sourceType)) throw badUserInput('source.type must be SCREAMING_CASE letters, digits and _', { argument: 'source.type' });
  const sourceId = identifier(input.source.id, 'source.id');
  const memo = boundedText(input.memo, 'memo')?.trim();
  if (!memo) throw badUserInput('memo must not be empty', { argument: 'memo' });
  if (input.currency !== 'USD' && input.currency !== 'EUR') throw badUserInput('currency must be USD or EUR', { argument: 'currency' });
  const postedAt = input.postedAt ?? new Date();
  if (Number.isNaN(postedAt.getTime())) throw badUserInput('postedAt is not a valid date', { argument: 'postedAt' });
  const reversalOf = input.reversalOf === undefined ? undefined : identifier(input.reversalOf, 'reversalOf');
  if ((sourceType === 'REVERSAL') !== (reversalOf !== undefined) || (reversalOf !== undefined && sourceId !== reversalOf)) {
    throw badUserInput('a reversal has source { type: REVERSAL, id: <reversed entry id> } and reversalOf set to that id', { argument: 'reversalOf' });
  }
  const lines = validateLines(input.lines);
  return {
    _id: `je_${randomUUID()}`,
    postedAt,
    memo,
    source: { type: sourceType, id: sourceId },
    currency: input.currency,
    correlationId: identifier(input.correlationId, 'correlationId'),
    lines,
    ...optional('orderId', input.orderId),
    ...optional('customerId', input.customerId),
    ...optional('channel', input.channel),
    ...optional('locationId', input.locationId),
    ...(reversalOf ? { reversalOf } : {}),
    balancesApplied: false,
    createdAt: new Date(),
  };
}

function validateLines(lines: PostJournalEntryInput['lines']): JournalLineRecord[] {
  if (lines.length < 2 || lines.length > MAX_LINES) throw badUserInput(`an entry needs 2 to ${MAX_LINES} lines`, { argument: 'lines' });
  let debits = 0n;
  let credits = 0n;
  const checked = lines.map((line, index) => {
    const debitMinor = amount(line.debitMinor, `lines[${index}].debitMinor`);
    const creditMinor = amount(line.creditMinor, `lines[${index}].creditMinor`);
    if (debitMinor > 0n === creditMinor > 0n) {
      throw badUserInput(`lines[${index}] must have exactly one of debit and credit above zero`, { argument: 'lines' });
    }
    debits += debitMinor;
    credits += creditMinor;
    return { accountCode: identifier(line.accountCode, `lines[${index}].accountCode`), debitMinor, creditMinor };
  });
  if (debits !== credits) {
    throw badUserInput(`debits (${debits}) and credits (${credits}) differ; nothing was posted`, { argument: 'lines', reason: 'UNBALANCED' });
  }
  if (debits > INT64_MAX) throw badUserInput('the entry total exceeds the 64-bit range', { argument: 'lines' });
  return checked;
}

function amount(value: bigint | number, argument: string): bigint {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw badUserInput(`${argument} must be an integer number of minor units`, { argument });
  const minor = BigInt(value);
  if (minor < 0n || minor > INT64_MAX) throw badUserInput(`${argument} must be from 0 to 2^63-1`, { argument });
  return minor;
}

async function requireKnownAccounts(models: LedgerModels, lines: readonly JournalLineRecord[]): Promise<void> {
  const codes = [...new Set(lines.map((line) => line.accountCode))];
  const known = new Set((await models.accounts.find({ _id: { $in: codes } }, { _id: 1 }).lean<{ _id: string }[]>()).map((row) => row._id));
  const unknown = codes.filter((code) => !known.has(code));
  if (unknown.length > 0) throw badUserInput(`unknown account code ${unknown.join(', ')}`, { argument: 'lines', accountCodes: unknown });
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: identifier(value, key) } as Record<K, string>);
}
