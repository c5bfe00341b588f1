import { dayOf, dayRange, type CurrencyCode } from '@mesh/server-kit';

/** A business day of the books: one UTC calendar day in one currency. */
export interface BusinessDay {
  readonly currency: CurrencyCode;
  /** YYYY-MM-DD (UTC). */
  readonly date: string;
}

/** The key of a day's close document: `<currency>|<YYYY-MM-DD>`. */
export const businessDayId = (day: BusinessDay): string => `${day.currency}|${day.date}`;

/** Midnight UTC at the start of a YYYY-MM-DD day. */
export const startOfDay = (date: string): Date => dayRange(date).start;

/** The YYYY-MM-DD day after `date`. */
export const nextDay = (date: string): string => dayOf(dayRange(date).end);
