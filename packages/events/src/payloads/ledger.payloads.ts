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
