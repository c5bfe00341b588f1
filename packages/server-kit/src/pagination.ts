import { badUserInput } from './errors.js';

/**
 * Opaque cursors for Relay-style connections: base64url of the sort key. Clients must not
 * parse them; a malformed cursor is BAD_USER_INPUT.
 */
export function encodeCursor(sortKey: string): string {
  return Buffer.from(sortKey, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | null | undefined): string | undefined {
  if (cursor == null) return undefined;
  if (cursor.length > 256 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw badUserInput('after is not a valid cursor', { argument: 'after' });
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  if (decoded.length === 0 || decoded.includes('$')) throw badUserInput('after is not a valid cursor', { argument: 'after' });
  return decoded;
}

export interface Connection<T> {
  readonly edges: ReadonlyArray<{ readonly cursor: string; readonly node: T }>;
  readonly pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | null };
}

/** Builds a connection from `first + 1` rows fetched past the cursor: the extra row says there is a next page. */
export function toConnection<T>(rows: readonly T[], first: number, cursorOf: (row: T) => string): Connection<T> {
  const page = rows.slice(0, first);
  const edges = page.map((node) => ({ cursor: encodeCursor(cursorOf(node)), node }));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
  };
}
