import { DateTimeScalar, LongScalar, moneyResolvers } from '@mesh/server-kit';
import type { Resolvers } from '../__generated__/resolvers-types.js';
import { Customer, OrderConnection } from './customer.resolvers.js';
import { Order } from './order.resolvers.js';
import { Query } from './query.resolvers.js';

export const resolvers: Resolvers = { Query, Order, Customer, OrderConnection, Money: moneyResolvers, Long: LongScalar, DateTime: DateTimeScalar };
