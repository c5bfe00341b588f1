import type { QueryResolvers } from '../__generated__/resolvers-types.js';

export const Query: QueryResolvers = {
  order: (_parent, { id }, { orders }) => orders.read({ id }),
  orderByNumber: (_parent, { number }, { orders }) => orders.read({ number }),
  orders: (_parent, args, { orders }) => orders.list(args),
  paymentsOfDay: (_parent, args, { orders }) => orders.paymentsOfDay(args),
};
