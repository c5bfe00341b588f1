import type { CurrencyCode, SalesChannel } from './common.payloads.js';

/** One side of a posting, in integer minor units of the entry's currency; exactly one side is non-zero. */
export interface JournalLinePayload {
  readonly accountCode: string;
  readonly debitMinor: number;
  readonly creditMinor: number;
}

export interface JournalEntryPosted {
  readonly entryId: string;
  /** The event the entry was derived from: its topic and envelope id (one entry set per source event). */
  readonly sourceEvent: { readonly type: string; readonly id: string };
  readonly currency: CurrencyCode;
  /** Debits equal credits; this is either total. */
  readonly totalMinor: number;
  readonly lines: readonly JournalLinePayload[];
  /** Set when the entry reverses an earlier one (entries are never edited). */
  readonly reversesEntryId?: string;
  readonly orderId?: string;
  readonly channel?: SalesChannel;
  readonly locationId?: string;
}

/** One line of a closed day's journal export: an account at a store in a channel, one side only. */
export interface JournalExportLinePayload {
  readonly accountCode: string;
  readonly accountName: string;
  /** The store or warehouse of the postings summed; null for postings without one. */
  readonly locationId: string | null;
  readonly channel: string | null;
  readonly debitMinor: number;
  readonly creditMinor: number;
}

/** A business day's books closed in one currency, with its journal export for the ERP. */
export interface BusinessDayClosed {
  /** `JE-<currency>-<YYYYMMDD>`: the ERP imports a batch once. */
  readonly batchId: string;
  /** YYYY-MM-DD (UTC). */
  readonly date: string;
  readonly currency: CurrencyCode;
  readonly closedAt: string;
  readonly entryCount: number;
  /** Total debits, equal to total credits. */
  readonly controlTotalMinor: number;
  readonly lines: readonly JournalExportLinePayload[];
  /** The same journal as the ledger's CSV export (header row, every field quoted, CRLF). */
  readonly csv: string;
}
