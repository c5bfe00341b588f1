/**
 * Who may read which orders. Roles with `orders:read-any` read every order; a customer reads
 * only their own; anonymous callers read none. The rules themselves live in server-kit's roles.ts.
 */
import { can, forbidden, isSelf, unauthenticated, type Principal } from '@mesh/server-kit';

/** A customer as this subgraph knows one: just the key the customer subgraph owns. */
export interface CustomerRef {
  readonly id: string;
}

/** Throws UNAUTHENTICATED for anonymous callers: no order data is public. */
export function requireSignedIn(principal: Principal): void {
  if (principal.role === 'anonymous') throw unauthenticated('Sign in to see orders');
}

/** Throws UNAUTHENTICATED or FORBIDDEN unless the caller may read the orders of `customerId`. */
export function assertMayReadOrdersOf(principal: Principal, customerId: string): void {
  requireSignedIn(principal);
  if (can(principal, 'orders:read-any') || isSelf(principal, customerId)) return;
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
