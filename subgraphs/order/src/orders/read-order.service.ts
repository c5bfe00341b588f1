import { identifier, type Principal } from '@mesh/server-kit';
import type { OrderLoaders } from '../loaders.js';
import type { OrderRecord } from '../models/order.model.js';
import { assertMayReadOrdersOf, requireSignedIn } from '../access.js';

/** How a single order is looked up: by id, or by the number on the receipt. */
export type OrderLookup = { readonly id: string } | { readonly number: string };

/**
 * One order, or null when there is none. Anonymous callers get UNAUTHENTICATED before anything
 * is read; a customer asking for someone else's order gets FORBIDDEN.
 */
export async function readOrder(loaders: OrderLoaders, principal: Principal, lookup: OrderLookup): Promise<OrderRecord | null> {
  requireSignedIn(principal);
  const order =
    'id' in lookup ? await loaders.orderById.load(identifier(lookup.id, 'id')) : await loaders.orderByNumber.load(identifier(lookup.number, 'number'));
  if (order) await assertMayReadOrdersOf(principal, order.customerId, loaders);
  return order;
}
