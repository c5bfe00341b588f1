import type { Resolvers } from '../__generated__/resolvers-types.js';
import { Customer, CustomerConnection, DateTime } from './customer.resolvers.js';
import { MergeCustomersResult, Mutation } from './mutation.resolvers.js';
import { Query } from './query.resolvers.js';
import { Trace } from './trace.resolvers.js';

export const resolvers: Resolvers = { Query, Mutation, MergeCustomersResult, Customer, CustomerConnection, Trace, DateTime };
