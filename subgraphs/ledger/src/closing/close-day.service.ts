import { isDuplicateKey } from '@mesh/events';
import { badUserInput, dayOf, identifier, parseCalendarDay, type CurrencyCode } from '@mesh/server-kit';
import type { LedgerModels } from '../models/index.js';
import { INT64_AS_BIGINT } from '../models/int64.js';
import type { ClosedDayRecord } from '../models/closed-day.model.js';
import { businessDayId } from './business-day.js';
import { dayAlreadyClosed } from '../errors.js';
import { takeJournalExport } from './journal-export.service.js';

/** A request to close one business day of one currency. */
export interface CloseDayInput {
  readonly date: string;
  readonly currency: CurrencyCode;
  readonly idempotencyKey: string;
  /** Who closes it (the caller's subject), kept on the record. */
  readonly closedBy: string;
  readonly correlationId: string;
  /** The clock; tests pass one. */
  readonly now?: Date;
}

/**
 * Closes a day with one guarded write (an insert keyed by `<currency>|<date>`), so a day closes
 * exactly once however many replicas try. From then on postings dated into it go to the next open
 * day, and its journal export is taken right away (or by the first export ask after a crash).
 * Repeating the same idempotency key answers with the first close; another key gets
 * DAY_ALREADY_CLOSED. A day that has not begun yet is BAD_USER_INPUT. Nothing else is written.
 */
export async function closeDay(models: LedgerModels, input: CloseDayInput): Promise<ClosedDayRecord> {
  const date = parseCalendarDay(input.date);
  const idempotencyKey = identifier(input.idempotencyKey, 'idempotencyKey');
  const now = input.now ?? new Date();
  if (date > dayOf(now)) throw badUserInput(`the day ${date} has not begun; only today or an earlier day can be closed`, { argument: 'date' });
  const record: ClosedDayRecord = {
    _id: businessDayId({ currency: input.currency, date }),
    currency: input.currency,
    date,
    closedAt: now,
    idempotencyKey,
    closedBy: input.closedBy,
    correlationId: input.correlationId,
  };
  try {
    await models.closedDays.create(record);
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    const existing = await models.closedDays.findById(record._id).setOptions(INT64_AS_BIGINT).lean<ClosedDayRecord>();
    if (!existing) throw error;
    if (existing.idempotencyKey !== idempotencyKey) throw dayAlreadyClosed(existing.currency, existing.date, existing.closedAt);
    return existing.journalExport ? existing : takeJournalExport(models, existing);
  }
  return takeJournalExport(models, record);
}
