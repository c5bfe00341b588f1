import type { CustomerResolvers, OrderConnectionResolvers } from '../__generated__/resolvers-types.js';

export const Customer: CustomerResolvers = {
  // The customer subgraph owns customers; here a reference is only the key its orders hang off.
  __resolveReference: (reference) => ({ id: reference.id }),
  orders: (customer, args, { orders }) => orders.ofCustomer(customer.id, args),
};

export const OrderConnection: OrderConnectionResolvers = {
  totalCount: (page) => page.totalCount(),
};
