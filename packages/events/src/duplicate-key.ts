/** True for MongoDB's E11000 duplicate key error: a unique index refused the write. */
export function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}

/**
 * Inserts `record`, which a unique index keys, or, when a record with the same key is stored
 * already (an earlier attempt of the same request, or a concurrent one that won), reads that one:
 * `inserted` says which. Any other failure is thrown, and so is a refused insert whose stored
 * record `readStored` cannot find (`what` names the key in that error).
 */
export async function insertOrReadStored<T>(
  record: T,
  insert: (record: T) => Promise<unknown>,
  readStored: () => Promise<T | null>,
  what: string,
): Promise<{ readonly record: T; readonly inserted: boolean }> {
  try {
    await insert(record);
    return { record, inserted: true };
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
  const stored = await readStored();
  if (!stored) throw new Error(`${what} collided but no stored record holds it`);
  return { record: stored, inserted: false };
}
