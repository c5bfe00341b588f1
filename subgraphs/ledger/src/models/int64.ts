/**
 * Read options for every query that returns amounts: without them the driver hands Int64 values
 * back as JavaScript numbers (or Long objects above 2^53) instead of exact bigints.
 */
export const INT64_AS_BIGINT = { useBigInt64: true } as const;

/** An amount read from MongoDB as bigint, whether it was stored (or summed) as Int32 or Int64. */
export function toBigInt(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (value == null) return 0n;
  throw new RangeError(`expected an integer amount, got ${String(value)}`);
}
