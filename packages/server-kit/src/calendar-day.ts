import { badUserInput } from './errors.js';

const DAY_MS = 86_400_000;

/** The UTC calendar day an instant falls on, as YYYY-MM-DD. */
export const dayOf = (instant: Date): string => instant.toISOString().slice(0, 10);

/** A YYYY-MM-DD argument checked to be a real calendar day (UTC); BAD_USER_INPUT otherwise. */
export function parseCalendarDay(date: string, argument = 'date'): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const day = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : null;
  if (!day || Number.isNaN(day.getTime()) || dayOf(day) !== date) {
    throw badUserInput(`${argument} must be a calendar day as YYYY-MM-DD (UTC)`, { argument });
  }
  return date;
}

/** The half-open instant range [start, end) of a YYYY-MM-DD day (UTC). */
export function dayRange(date: string): { readonly start: Date; readonly end: Date } {
  const start = new Date(`${date}T00:00:00.000Z`);
  return { start, end: new Date(start.getTime() + DAY_MS) };
}
