import { formatDecimal, type CurrencyCode } from '@mesh/server-kit';
import type { ClosedDayRecord, ExportLineRecord, JournalExportRecord } from '../models/closed-day.model.js';

/** A closed day's export as the graph serves it: the stored export plus its day. */
export interface JournalExportView extends JournalExportRecord {
  readonly currency: CurrencyCode;
  readonly date: string;
}

/** An export line as the graph serves it: the stored line plus its export's currency. */
export interface JournalExportLineValue extends ExportLineRecord {
  readonly currency: CurrencyCode;
}

export function journalExportView(closed: ClosedDayRecord): JournalExportView {
  if (!closed.journalExport) throw new Error(`the closed day ${closed._id} has no journal export yet`);
  return { ...closed.journalExport, currency: closed.currency, date: closed.date };
}

/** The CSV columns, in order (the header row). */
export const JOURNAL_CSV_COLUMNS = [
  'batch_id',
  'journal_date',
  'currency',
  'line',
  'account',
  'account_name',
  'location',
  'channel',
  'debit',
  'credit',
  'source_lines',
] as const;

/**
 * RFC 4180 CSV: a header row, then one row per export line; CRLF line ends, every field quoted
 * (quotes doubled), amounts as exact decimals with a dot. A general-ledger import maps `account`
 * to its own account, `location` and `channel` to dimensions (department, class, cost centre).
 */
export function journalCsv(view: JournalExportView): string {
  const rows = view.lines.map((line, index) => [
    view.batchId,
    view.date,
    view.currency,
    String(index + 1),
    line.accountCode,
    line.accountName,
    line.locationId,
    line.channel,
    formatDecimal(line.debitMinor, view.currency),
    formatDecimal(line.creditMinor, view.currency),
    String(line.lineCount),
  ]);
  return [JOURNAL_CSV_COLUMNS, ...rows].map((row) => row.map(quoted).join(',')).join('\r\n') + '\r\n';
}

/** The same journal as one JSON document (keys in a fixed order, amounts as exact decimal strings). */
export function journalJson(view: JournalExportView): string {
  const amount = (minor: bigint) => formatDecimal(minor, view.currency);
  return JSON.stringify({
    batchId: view.batchId,
    journalDate: view.date,
    currency: view.currency,
    generatedAt: view.generatedAt.toISOString(),
    entryCount: view.entryCount,
    controlTotal: amount(view.controlTotalMinor),
    lines: view.lines.map((line: ExportLineRecord, index) => ({
      line: index + 1,
      account: line.accountCode,
      accountName: line.accountName,
      location: line.locationId || null,
      channel: line.channel || null,
      debit: amount(line.debitMinor),
      credit: amount(line.creditMinor),
      sourceLines: line.lineCount,
    })),
  });
}

const quoted = (field: string): string => `"${field.replaceAll('"', '""')}"`;
