import { identifier, type Principal } from '@mesh/server-kit';
import type { OrderLoaders } from '../loaders.js';
import { assertMayReadOrdersOf } from '../access.js';
import { pageArgs, toOrderPage, type OrderPage } from '../orders/order-connection.js';

/**
 * A page of one customer's orders, newest first (Customer.orders), including those of every id
 * merged into the customer. Reads only through the batched loaders, so resolving it for many
 * customers at once costs one command for the merged ids, one for the pages and one for the counts.
 */
export async function customerOrders(
  loaders: OrderLoaders,
  principal: Principal,
  customerId: string,
  args: { first?: number | null; after?: string | null },
): Promise<OrderPage> {
  await assertMayReadOrdersOf(principal, identifier(customerId, 'id'), loaders);
  const { first, after } = pageArgs(args);
  const rows = await loaders.ordersByCustomer.load({ customerId, first, after });
  return toOrderPage(rows, first, () => loaders.orderCountByCustomer.load(customerId));
}
