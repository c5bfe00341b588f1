import { badUserInput } from './errors.js';

/**
 * Checks every subgraph applies to user input before it reaches a query. They reject, with
 * BAD_USER_INPUT, what GraphQL's type system cannot: sizes, ranges and key shapes.
 */
export const LIMITS = {
  /** Largest page a connection serves. */
  maxPageSize: 100,
  /** Most keys (SKUs, ids) in one list argument. */
  maxListSize: 200,
  /** Longest free-text argument (search strings, reasons, memos). */
  maxTextLength: 500,
  /** Longest identifier-like argument (ids, SKUs, idempotency keys). */
  maxIdLength: 128,
} as const;

export function pageSize(first: number | null | undefined, fallback = 20): number {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 1 || size > LIMITS.maxPageSize) {
    throw badUserInput(`first must be between 1 and ${LIMITS.maxPageSize}`, { argument: 'first' });
  }
  return size;
}

export function boundedList<T>(values: readonly T[] | null | undefined, argument: string): readonly T[] | undefined {
  if (values == null) return undefined;
  if (values.length > LIMITS.maxListSize) {
    throw badUserInput(`${argument} may hold at most ${LIMITS.maxListSize} items`, { argument });
  }
  return values;
}

export function boundedText(value: string | null | undefined, argument: string, max: number = LIMITS.maxTextLength): string | undefined {
  if (value == null) return undefined;
  if (value.length > max) throw badUserInput(`${argument} may be at most ${max} characters`, { argument });
  return value;
}

/** An identifier: bounded, printable, and never a MongoDB operator or dotted path. */
export function identifier(value: string, argument: string): string {
  if (value.length === 0 || value.length > LIMITS.maxIdLength) {
    throw badUserInput(`${argument} must be 1 to ${LIMITS.maxIdLength} characters`, { argument });
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9_\-:.@+]*$/.test(value) || value.includes('$')) {
    throw badUserInput(`${argument} contains characters that are not allowed`, { argument });
  }
  return value;
}

/** A user-supplied key (for example an attribute name): letters, digits, `_` and `-` only. */
export function safeKey(value: string, argument: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(value)) {
    throw badUserInput(`${argument} must start with a letter and hold only letters, digits, "_" or "-"`, { argument });
  }
  return value;
}

export function positiveQuantity(value: number, argument: string, max = 1_000_000): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw badUserInput(`${argument} must be a whole number from 1 to ${max}`, { argument });
  }
  return value;
}

/** Text matched literally inside a regular expression (search boxes). */
export function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
