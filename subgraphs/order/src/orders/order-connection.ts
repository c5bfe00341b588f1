import { badUserInput, decodeCursor, identifier, pageSize, toConnection, type Connection } from '@mesh/server-kit';
import type { QueryFilter } from 'mongoose';
import type { OrderRecord } from '../models/order.model.js';

/** A page of orders, newest first. */
export interface OrderPage extends Connection<OrderRecord> {
  /** Counted only when the client asks for totalCount. */
  readonly totalCount: () => Promise<number>;
}

/** A position in a newest-first listing: the sort key (placedAt desc, _id desc) of the last order seen. */
export interface OrderCursor {
  readonly placedAt: Date;
  readonly id: string;
}

/** The sort every order listing uses; the index of each filter ends in the same keys. */
export const NEWEST_FIRST = { placedAt: -1, _id: -1 } as const;

/** Page arguments checked and decoded: first within 1..100, after a well-formed cursor. */
export function pageArgs(args: { first?: number | null; after?: string | null }): { first: number; after: OrderCursor | undefined } {
  return { first: pageSize(args.first), after: decodeOrderCursor(args.after) };
}

/** What a cursor encodes (before base64url): the order's sort key. */
function sortKey(order: Pick<OrderRecord, '_id' | 'placedAt'>): string {
  return `${order.placedAt.toISOString()}|${order._id}`;
}

function decodeOrderCursor(after: string | null | undefined): OrderCursor | undefined {
  const decoded = decodeCursor(after);
  if (decoded === undefined) return undefined;
  const separator = decoded.indexOf('|');
  const instant = decoded.slice(0, Math.max(separator, 0));
  const placedAt = new Date(instant);
  // Only what sortKey wrote is accepted back: an exact ISO instant, a bar, an order id.
  if (separator < 0 || Number.isNaN(placedAt.getTime()) || placedAt.toISOString() !== instant)
    throw badUserInput('after is not a valid cursor', { argument: 'after' });
  return { placedAt, id: identifier(decoded.slice(separator + 1), 'after') };
}

/** Orders strictly after the cursor in newest-first order. */
export function afterCursor(cursor: OrderCursor): QueryFilter<OrderRecord> {
  return { $or: [{ placedAt: { $lt: cursor.placedAt } }, { placedAt: cursor.placedAt, _id: { $lt: cursor.id } }] };
}

/** Builds the page from up to `first + 1` newest-first rows. */
export function toOrderPage(rows: readonly OrderRecord[], first: number, totalCount: () => Promise<number>): OrderPage {
  return { ...toConnection(rows, first, sortKey), totalCount };
}
