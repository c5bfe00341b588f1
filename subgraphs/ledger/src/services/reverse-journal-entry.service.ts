import { identifier, notFound } from '@mesh/server-kit';
import type { LedgerModels } from '../models/index.js';
import { INT64_AS_BIGINT } from '../models/int64.js';
import type { JournalEntryRecord } from '../models/journal-entry.model.js';
import { postJournalEntry, type PostingResult } from './post-journal-entry.service.js';

/** A request to correct an entry by reversing it. */
export interface ReverseJournalEntryInput {
  readonly entryId: string;
  readonly correlationId: string;
  /** Why it is reversed; defaults to "Reversal of <id>: <original memo>". */
  readonly memo?: string;
  readonly postedAt?: Date;
}

/**
 * Corrects an entry the only way the ledger allows: a new entry with every debit and credit swapped,
 * `reversalOf` the original and source { type: REVERSAL, id: original id }, so an entry is reversed
 * at most once. The original is never touched. Throws NOT_FOUND for an unknown entry.
 */
export async function reverseJournalEntry(models: LedgerModels, input: ReverseJournalEntryInput): Promise<PostingResult> {
  const entryId = identifier(input.entryId, 'entryId');
  const original = await models.entries.findById(entryId).setOptions(INT64_AS_BIGINT).lean<JournalEntryRecord>();
  if (!original) throw notFound(`journal entry ${entryId} does not exist`, { argument: 'entryId' });
  return postJournalEntry(models, {
    source: { type: 'REVERSAL', id: original._id },
    reversalOf: original._id,
    memo: input.memo ?? `Reversal of ${original._id}: ${original.memo}`.slice(0, 500),
    currency: original.currency,
    correlationId: input.correlationId,
    ...(input.postedAt ? { postedAt: input.postedAt } : {}),
    lines: original.lines.map((line) => ({ accountCode: line.accountCode, debitMinor: line.creditMinor, creditMinor: line.debitMinor })),
    ...(original.orderId ? { orderId: original.orderId } : {}),
    ...(original.customerId ? { customerId: original.customerId } : {}),
    ...(original.channel ? { channel: original.channel } : {}),
    ...(original.locationId ? { locationId: original.locationId } : {}),
  });
}
