import { DateTimeScalar, LongScalar, moneyResolvers } from '@mesh/server-kit';
import type { Resolvers } from '../__generated__/resolvers-types.js';
import { Customer, OrderConnection } from './customer.resolvers.js';
import { Order } from './order.resolvers.js';
import { Mutation, OrderRejected, PlaceOrderResult } from './mutation.resolvers.js';
import { Query } from './query.resolvers.js';

export const resolvers: Resolvers = { Query, Mutation, PlaceOrderResult, OrderRejected, Order, Customer, OrderConnection, Money: moneyResolvers, Long: LongScalar, DateTime: DateTimeScalar };
