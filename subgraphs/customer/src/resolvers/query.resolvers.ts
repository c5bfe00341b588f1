import { identifier } from '@mesh/server-kit';
import type { QueryResolvers } from '../__generated__/resolvers-types.js';

export const Query: QueryResolvers = {
  customer: (_parent, { id }, { directory }) => directory.customer(identifier(id, 'id')),
  me: (_parent, _args, { directory }) => directory.me(),
  customers: (_parent, args, { directory }) => directory.customers(args),
  customerByIdentity: (_parent, { kind, value }, { directory }) => directory.customerByIdentity(kind, value),
};
