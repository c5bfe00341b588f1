import type { RequestContext } from '@mesh/server-kit';
import { createOrderLoaders, type OrderLoaders } from './loaders.js';
import type { OrderModels } from './models/index.js';
import type { OrderRecord } from './models/order.model.js';
import { customerOrders } from './services/customer-orders.service.js';
import { listOrders } from './services/list-orders.service.js';
import type { OrderPage } from './services/order-connection.js';
import { readOrder, type OrderLookup } from './services/read-order.service.js';

type PageArgs = { first?: number | null; after?: string | null };

/** What order resolvers receive: the caller, fresh loaders, and the use cases bound to this caller and database. */
export interface OrderContext extends RequestContext {
  readonly loaders: OrderLoaders;
  readonly orders: {
    /** One order the caller may see, or null when there is none. */
    readonly read: (lookup: OrderLookup) => Promise<OrderRecord | null>;
    /** Query.orders. */
    readonly list: (args: Parameters<typeof listOrders>[3]) => Promise<OrderPage>;
    /** Customer.orders. */
    readonly ofCustomer: (customerId: string, args: PageArgs) => Promise<OrderPage>;
  };
}

export function createOrderContext(base: RequestContext, models: OrderModels): OrderContext {
  const loaders = createOrderLoaders(models);
  const { principal } = base;
  return {
    ...base,
    loaders,
    orders: {
      read: (lookup) => readOrder(loaders, principal, lookup),
      list: (args) => listOrders(models, loaders, principal, args),
      ofCustomer: (customerId, args) => customerOrders(loaders, principal, customerId, args),
    },
  };
}
