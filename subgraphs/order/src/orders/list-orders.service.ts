import type { QueryFilter } from 'mongoose';
import { badUserInput, identifier, type Principal } from '@mesh/server-kit';
import type { OrderLoaders } from '../loaders.js';
import type { OrderModels } from '../models/index.js';
import type { OrderRecord } from '../models/order.model.js';
import type { OrderFilter } from '../__generated__/schema-types.js';
import { customerScope, requireSignedIn } from '../access.js';
import { afterCursor, NEWEST_FIRST, pageArgs, toOrderPage, type OrderPage } from './order-connection.js';

/**
 * Orders newest first, narrowed by the filter, a page at a time (Query.orders). A signed-in
 * customer is always narrowed to their own orders; a customer filter (or scope) includes the
 * orders of every id merged into that customer. Every input is bounded and literal.
 */
export async function listOrders(
  models: OrderModels,
  loaders: OrderLoaders,
  principal: Principal,
  args: { first?: number | null; after?: string | null; filter?: OrderFilter | null },
): Promise<OrderPage> {
  requireSignedIn(principal);
  const filter = await buildFilter(principal, loaders, args.filter ?? {});
  const { first, after } = pageArgs(args);
  const pageFilter = after ? { $and: [filter, afterCursor(after)] } : filter;
  const rows = await models.orders
    .find(pageFilter)
    .sort(NEWEST_FIRST)
    .limit(first + 1)
    .lean<OrderRecord[]>();
  for (const row of rows) loaders.orderById.prime(row._id, row);
  return toOrderPage(rows, first, () => models.orders.countDocuments(filter).exec());
}

async function buildFilter(principal: Principal, loaders: OrderLoaders, filter: OrderFilter): Promise<QueryFilter<OrderRecord>> {
  const conditions: QueryFilter<OrderRecord>[] = [];
  const requestedCustomer = filter.customerId == null ? undefined : identifier(filter.customerId, 'filter.customerId');
  const customerId = customerScope(principal, requestedCustomer);
  if (filter.channel) conditions.push({ channel: filter.channel });
  if (filter.status) conditions.push({ status: filter.status });
  if (filter.locationId != null) conditions.push({ 'fulfillment.locationId': identifier(filter.locationId, 'filter.locationId') });
  if (filter.correlationId != null) conditions.push({ correlationId: identifier(filter.correlationId, 'filter.correlationId') });
  const { placedFrom, placedTo } = filter;
  if (placedFrom && placedTo && placedFrom > placedTo)
    throw badUserInput('filter.placedFrom must not be after filter.placedTo', { argument: 'filter.placedFrom' });
  if (placedFrom || placedTo) conditions.push({ placedAt: { ...(placedFrom ? { $gte: placedFrom } : {}), ...(placedTo ? { $lt: placedTo } : {}) } });
  // Last, once every other input is known to be valid: the customer's merged ids.
  if (customerId) conditions.unshift({ customerId: { $in: [...(await loaders.customerGroups.load(customerId)).customerIds] } });
  return conditions.length === 0 ? {} : { $and: conditions };
}
