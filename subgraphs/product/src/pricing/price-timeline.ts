import type { PricePeriodRecord } from './price-list.model.js';

/** Why a scheduled price was refused (the error codes of errors.ts). */
export type TimelineRefusal = 'PRICE_NOT_POSITIVE' | 'PRICE_PERIOD_OVERLAP' | 'PRICE_PERIOD_GAP' | 'PRICE_CHANGE_IN_PAST' | 'PRICE_PERIOD_EMPTY';

/** A new price as asked for: in force from `from` until `to` (absent: until changed again). */
export interface NewPeriod {
  readonly amountMinor: number;
  readonly from: Date;
  readonly to?: Date | undefined;
}

/**
 * The rules of one price list's timeline, in one place. A timeline is contiguous: every period
 * starts where the previous one ends, and only the last may be open-ended. A change is appended:
 * - it starts after the last period started, and not before `now` (the past is history: orders were priced by it);
 * - an open-ended last period is closed where the new one starts (a scheduled change);
 * - after a closed last period the new one must start exactly at its end (later is a GAP);
 * - starting inside a closed period, or at/before the last period's start, is an OVERLAP.
 * The first period of a list may start anywhere from `now`. Returns the new timeline or the refusal.
 */
export function appendPeriod(
  periods: readonly PricePeriodRecord[],
  period: NewPeriod & Omit<PricePeriodRecord, 'amountMinor' | 'from' | 'to'>,
  now: Date,
): PricePeriodRecord[] | TimelineRefusal {
  if (!Number.isSafeInteger(period.amountMinor) || period.amountMinor <= 0) return 'PRICE_NOT_POSITIVE';
  if (period.to && period.to.getTime() <= period.from.getTime()) return 'PRICE_PERIOD_EMPTY';
  if (period.from.getTime() < now.getTime()) return 'PRICE_CHANGE_IN_PAST';
  const { to, ...rest } = period;
  const added: PricePeriodRecord = { ...rest, ...(to ? { to } : {}) };
  const last = periods.at(-1);
  if (!last) return [added];
  if (period.from.getTime() <= last.from.getTime()) return 'PRICE_PERIOD_OVERLAP';
  if (!last.to) return [...periods.slice(0, -1), { ...last, to: period.from }, added];
  if (period.from.getTime() < last.to.getTime()) return 'PRICE_PERIOD_OVERLAP';
  if (period.from.getTime() > last.to.getTime()) return 'PRICE_PERIOD_GAP';
  return [...periods, added];
}

/** The period in force at `at`, or undefined when the list prices nothing then. */
export function periodAt(periods: readonly PricePeriodRecord[], at: Date): PricePeriodRecord | undefined {
  const time = at.getTime();
  return periods.find((period) => period.from.getTime() <= time && (!period.to || time < period.to.getTime()));
}

/** The start of the earliest period not yet announced, or undefined when every one was. */
export function nextDueAt(periods: readonly PricePeriodRecord[]): Date | undefined {
  return periods.find((period) => !period.announced)?.from;
}
