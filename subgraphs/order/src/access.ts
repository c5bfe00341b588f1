/**
 * Who may read which orders. Roles with `orders:read-any` read every order; a customer reads
 * only their own; anonymous callers read none. The rules themselves live in server-kit's roles.ts.
 */
import { can, forbidden, isSelf, unauthenticated, type Principal } from '@mesh/server-kit';
import type { OrderLoaders } from './loaders.js';

/** A customer as this subgraph knows one: just the key the customer subgraph owns. */
export interface CustomerRef {
  readonly id: string;
}

/** Throws UNAUTHENTICATED for anonymous callers: no order data is public. */
export function requireSignedIn(principal: Principal): void {
  if (principal.role === 'anonymous') throw unauthenticated('Sign in to see orders');
}

/**
 * Throws UNAUTHENTICATED or FORBIDDEN unless the caller may read the orders of `customerId`. A
 * customer may read those of every id merged into the same golden record as their own (the
 * survivor sees the merged record's orders; a token for a merged-away id means the survivor):
 * that costs one batched alias read, and only when the ids differ. An order with no customer (an
 * anonymous till sale, `customerId` undefined) is readable only by roles that may read any order.
 */
export async function assertMayReadOrdersOf(principal: Principal, customerId: string | undefined, loaders: OrderLoaders): Promise<void> {
  requireSignedIn(principal);
  if (can(principal, 'orders:read-any')) return;
  if (customerId === undefined) throw forbidden('You may only see your own orders');
  if (isSelf(principal, customerId)) return;
  if (principal.role === 'customer' && principal.customerId) {
    const [own, theirs] = await loaders.customerGroups.loadMany([principal.customerId, customerId]);
    if (own && theirs && !(own instanceof Error) && !(theirs instanceof Error) && own.customerId === theirs.customerId) return;
  }
  throw forbidden('You may only see your own orders');
}

/**
 * The customer a listing is narrowed to: what was asked for when the caller may read any
 * order, otherwise always the signed-in customer themself.
 */
export function customerScope(principal: Principal, requested: string | undefined): string | undefined {
  requireSignedIn(principal);
  if (can(principal, 'orders:read-any')) return requested;
  if (principal.role === 'customer' && principal.customerId) return principal.customerId;
  throw forbidden('Your role may not list orders');
}

/** Traces and live KPIs need `events:read` (analysts, admins); every contributing field checks it itself. */
export function requireEventsRead(principal: Principal): void {
  if (can(principal, 'events:read')) return;
  if (principal.role === 'anonymous') throw unauthenticated('Sign in to read the event trail');
  throw forbidden('Your role may not read the event trail');
}
