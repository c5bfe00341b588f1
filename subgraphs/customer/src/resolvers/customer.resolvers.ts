import { DateTimeScalar, identifier } from '@mesh/server-kit';
import type { CustomerConnectionResolvers, CustomerResolvers } from '../__generated__/resolvers-types.js';

export const Customer: CustomerResolvers = {
  // Same rule as Query.customer: the gateway gets only what this caller could read directly.
  __resolveReference: (reference, { directory }) => directory.customer(identifier(reference.id, 'id')),
};

export const CustomerConnection: CustomerConnectionResolvers = {
  totalCount: (page) => page.totalCount(),
};

export const DateTime = DateTimeScalar;
