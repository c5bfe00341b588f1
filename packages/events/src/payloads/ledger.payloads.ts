import type { CurrencyCode } from './common.payloads.js';

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
