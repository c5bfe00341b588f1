import { announceEvents, createEnvelope, withPendingEvents } from '@mesh/events';
import { dayRange, parseCalendarDay, type CurrencyCode } from '@mesh/server-kit';
import type { AccountRecord } from '../models/account.model.js';
import type { ClosedDayRecord, ExportLineRecord, JournalExportRecord } from '../models/closed-day.model.js';
import type { LedgerModels } from '../models/index.js';
import { INT64_AS_BIGINT, toBigInt } from '../models/int64.js';
import { businessDayId } from './business-day.js';
import { journalCsv } from './journal-export-format.js';
import { dayNotClosed } from '../errors.js';

/** The export batch id of a day: `JE-<currency>-<YYYYMMDD>`, the same on every export of that day. */
export const exportBatchId = (currency: CurrencyCode, date: string): string => `JE-${currency}-${date.replaceAll('-', '')}`;

/** A day's close record, or null while it is open (a key lookup). */
export async function readClosedDay(models: LedgerModels, args: { date: string; currency: CurrencyCode }): Promise<ClosedDayRecord | null> {
  const date = parseCalendarDay(args.date);
  const closed = await models.closedDays
    .findById(businessDayId({ currency: args.currency, date }))
    .setOptions(INT64_AS_BIGINT)
    .lean<ClosedDayRecord>();
  return closed && !closed.journalExport ? takeJournalExport(models, closed) : closed;
}

/**
 * The closed day's journal export: taken once (the first ask after the close stores it with a
 * guarded write, so concurrent first asks agree) and answered from the stored copy ever after, so
 * asking again returns the identical file. DAY_NOT_CLOSED for a day that is not closed.
 */
export async function readJournalExport(models: LedgerModels, args: { date: string; currency: CurrencyCode }): Promise<ClosedDayRecord> {
  const date = parseCalendarDay(args.date);
  const closed = await models.closedDays
    .findById(businessDayId({ currency: args.currency, date }))
    .setOptions(INT64_AS_BIGINT)
    .lean<ClosedDayRecord>();
  if (!closed) throw dayNotClosed(args.currency, date);
  return closed.journalExport ? closed : takeJournalExport(models, closed);
}

/**
 * Stores the day's export unless one is stored already, and with it (the same single-document
 * write) the `ledger.business-day-closed` event that carries the export to ERPs: one event per
 * closed day, however many callers race. Answers with the stored export.
 */
export async function takeJournalExport(models: LedgerModels, closed: ClosedDayRecord): Promise<ClosedDayRecord> {
  const journalExport = await aggregateDay(models, closed.currency, closed.date);
  const event = dayClosedEvent(closed, journalExport);
  const taken = await models.closedDays.updateOne(
    { _id: closed._id, journalExport: { $exists: false } },
    withPendingEvents({ $set: { journalExport } }, event),
  );
  if (taken.modifiedCount > 0) announceEvents(models.closedDays);
  const stored = await models.closedDays.findById(closed._id).setOptions(INT64_AS_BIGINT).lean<ClosedDayRecord>();
  if (!stored?.journalExport) throw new Error(`the journal export of ${closed._id} was not stored`);
  return stored;
}

function dayClosedEvent(closed: ClosedDayRecord, journalExport: JournalExportRecord) {
  const csv = journalCsv({ ...journalExport, currency: closed.currency, date: closed.date });
  return createEnvelope(
    'ledger.business-day-closed',
    {
      batchId: journalExport.batchId,
      date: closed.date,
      currency: closed.currency,
      closedAt: closed.closedAt.toISOString(),
      entryCount: journalExport.entryCount,
      controlTotalMinor: Number(journalExport.controlTotalMinor),
      lines: journalExport.lines.map((line) => ({
        accountCode: line.accountCode,
        accountName: line.accountName,
        locationId: line.locationId || null,
        channel: line.channel || null,
        debitMinor: Number(line.debitMinor),
        creditMinor: Number(line.creditMinor),
      })),
      csv,
    },
    { correlationId: closed.correlationId, idempotencyKey: `business-day-closed:${closed._id}`, occurredAt: closed.closedAt },
  );
}

interface DaySum {
  _id: { accountCode: string; locationId: string | null; channel: string | null };
  debit: unknown;
  credit: unknown;
  lines: number;
}

/**
 * Every line posted on the day (postedAt in [00:00, 24:00) UTC, by the currency/postedAt index),
 * summed per account, store and channel. A group with both debits and credits becomes two
 * one-sided lines, as ERP journal imports expect; the gross debits and credits per account are
 * then exactly the day's movement in the trial balance.
 */
async function aggregateDay(models: LedgerModels, currency: CurrencyCode, date: string): Promise<JournalExportRecord> {
  const { start, end } = dayRange(date);
  const match = { currency, postedAt: { $gte: start, $lt: end } };
  const [sums, entryCount, accounts] = await Promise.all([
    models.entries
      .aggregate<DaySum>([
        { $match: match },
        { $unwind: '$lines' },
        {
          $group: {
            _id: { accountCode: '$lines.accountCode', locationId: '$locationId', channel: '$channel' },
            debit: { $sum: '$lines.debitMinor' },
            credit: { $sum: '$lines.creditMinor' },
            lines: { $sum: 1 },
          },
        },
      ])
      .option(INT64_AS_BIGINT),
    models.entries.countDocuments(match),
    models.accounts.find().lean<AccountRecord[]>(),
  ]);
  const names = new Map(accounts.map((account) => [account._id, account.name]));
  const lines: ExportLineRecord[] = [];
  let controlTotalMinor = 0n;
  for (const sum of sums) {
    const base = {
      accountCode: sum._id.accountCode,
      accountName: names.get(sum._id.accountCode) ?? sum._id.accountCode,
      locationId: sum._id.locationId ?? '',
      channel: sum._id.channel ?? '',
      lineCount: sum.lines,
    };
    const debit = toBigInt(sum.debit);
    const credit = toBigInt(sum.credit);
    controlTotalMinor += debit;
    if (debit > 0n) lines.push({ ...base, debitMinor: debit, creditMinor: 0n });
    if (credit > 0n) lines.push({ ...base, debitMinor: 0n, creditMinor: credit });
  }
  lines.sort(byAccountStoreChannelSide);
  return { batchId: exportBatchId(currency, date), generatedAt: new Date(), entryCount, controlTotalMinor, lines };
}

function byAccountStoreChannelSide(a: ExportLineRecord, b: ExportLineRecord): number {
  return compare(a.accountCode, b.accountCode) || compare(a.locationId, b.locationId) || compare(a.channel, b.channel) || (a.debitMinor > 0n ? -1 : 1);
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
