import { dayOf, type CurrencyCode } from '@mesh/server-kit';
import type { LedgerModels } from '../models/index.js';
import { businessDayId, nextDay, startOfDay } from './business-day.js';

/** Closed days skipped at most before a posting gives up (a year of closes ahead of the posting). */
const MAX_CLOSED_DAYS_SKIPPED = 366;

/**
 * Where a posting dated `postedAt` lands: on its own day while that day is open; otherwise at the
 * start (00:00 UTC) of the first open day after it, the way an accountant books a late item into
 * the open period instead of reopening a closed one. One `_id` lookup per closed day skipped (an
 * open day costs exactly one), never a scan.
 */
export async function openPostingDate(models: LedgerModels, currency: CurrencyCode, postedAt: Date): Promise<Date> {
  let date = dayOf(postedAt);
  for (let skipped = 0; skipped <= MAX_CLOSED_DAYS_SKIPPED; skipped += 1) {
    const closed = await models.closedDays.exists({ _id: businessDayId({ currency, date }) });
    if (!closed) return skipped === 0 ? postedAt : startOfDay(date);
    date = nextDay(date);
  }
  throw new Error(`no open ${currency} day within ${MAX_CLOSED_DAYS_SKIPPED} days after ${dayOf(postedAt)}`);
}
