import type { RequestContext } from '@mesh/server-kit';
import { createOrderLoaders, type OrderLoaders } from './loaders.js';
import type { OrderModels } from './models/index.js';
import type { OrderRecord } from './models/order.model.js';
import type { OrderCommand } from './order-lifecycle.js';
import type { OrderRuntime } from './order-runtime.js';
import { placeOrder, type PlaceOrderResult } from './services/place-order.service.js';
import { transitionOrder, type TransitionRequest } from './services/transition-order.service.js';
import type { PlaceOrderInput } from './__generated__/resolvers-types.js';
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
    /** Mutation.placeOrder. */
    readonly place: (input: PlaceOrderInput) => Promise<PlaceOrderResult>;
    /** The lifecycle mutations (order-lifecycle.ts). */
    readonly transition: (command: OrderCommand, request: TransitionRequest) => Promise<OrderRecord>;
  };
}

export function createOrderContext(base: RequestContext, models: OrderModels, runtime: OrderRuntime): OrderContext {
  const loaders = createOrderLoaders(models);
  const { principal } = base;
  return {
    ...base,
    loaders,
    orders: {
      read: (lookup) => readOrder(loaders, principal, lookup),
      list: (args) => listOrders(models, loaders, principal, args),
      ofCustomer: (customerId, args) => customerOrders(loaders, principal, customerId, args),
      place: (input) => placeOrder(models, runtime, base, input),
      transition: (command, request) => transitionOrder(models, runtime, { principal, correlationId: base.correlationId, loaders }, command, request),
    },
  };
}
