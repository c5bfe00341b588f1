import { badUserInput, type CurrencyCode } from '@mesh/server-kit';

const DAY_MS = 86_400_000;

/** A business day of the books: one UTC calendar day in one currency. */
export interface BusinessDay {
  readonly currency: CurrencyCode;
  /** YYYY-MM-DD (UTC). */
  readonly date: string;
}

/** The key of a day's close document: `<currency>|<YYYY-MM-DD>`. */
export const businessDayId = (day: BusinessDay): string => `${day.currency}|${day.date}`;

/** The UTC calendar day an instant falls on, as YYYY-MM-DD. */
export const dayOf = (instant: Date): string => instant.toISOString().slice(0, 10);

/** Midnight UTC at the start of a YYYY-MM-DD day. */
export const startOfDay = (date: string): Date => new Date(`${date}T00:00:00.000Z`);

/** The YYYY-MM-DD day after `date`. */
export const nextDay = (date: string): string => dayOf(new Date(startOfDay(date).getTime() + DAY_MS));

/** A YYYY-MM-DD argument checked to be a real calendar day; BAD_USER_INPUT otherwise. */
export function parseBusinessDate(date: string, argument = 'date'): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const day = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : null;
  if (!day || Number.isNaN(day.getTime()) || dayOf(day) !== date) {
    throw badUserInput(`${argument} must be a calendar day as YYYY-MM-DD (UTC)`, { argument });
  }
  return date;
}

/** The half-open instant range [start, end) of a day. */
export function dayRange(date: string): { readonly start: Date; readonly end: Date } {
  const start = startOfDay(date);
  return { start, end: new Date(start.getTime() + DAY_MS) };
}
