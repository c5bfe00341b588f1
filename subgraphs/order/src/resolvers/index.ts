import { DateTimeScalar, LongScalar, moneyResolvers } from '@mesh/server-kit';
import type { Resolvers } from '../__generated__/resolvers-types.js';
import { Customer, OrderConnection } from './customer.resolvers.js';
import { LiveKpis } from './live-kpis.resolvers.js';
import { Order } from './order.resolvers.js';
import { Mutation, OrderRejected, PlaceOrderResult } from './mutation.resolvers.js';
import { Query } from './query.resolvers.js';
import { OrderStatusUpdate, Subscription } from './subscription.resolvers.js';
import { Trace } from './trace.resolvers.js';
import * as returnResolvers from './return.resolvers.js';

export const resolvers: Resolvers = {
  Query,
  Mutation,
  Subscription,
  OrderStatusUpdate,
  PlaceOrderResult,
  OrderRejected,
  Order,
  Customer,
  OrderConnection,
  Trace,
  LiveKpis,
  Money: moneyResolvers,
  Long: LongScalar,
  DateTime: DateTimeScalar,
  ...returnResolvers,
};
