import type { CustomerResolvers, OrderResolvers } from '../__generated__/resolvers-types.js';
import { referenceId } from '../graph-values.js';
import { requireCustomerValueRead, requireLedgerRead } from '../access.js';

// Orders and customers are owned elsewhere: a reference is all the ledger needs to add its fields.
export const Order: OrderResolvers = {
  __resolveReference: (reference) => ({ id: referenceId(reference.id) }),
  journalEntries: (order, _args, { principal, loaders }) => {
    requireLedgerRead(principal);
    return loaders.entriesByOrderId.load(order.id);
  },
};

export const Customer: CustomerResolvers = {
  __resolveReference: (reference) => ({ id: referenceId(reference.id) }),
  lifetimeValue: (customer, _args, { principal, loaders }) => {
    requireCustomerValueRead(principal, customer.id);
    return loaders.lifetimeValueByCustomerId.load(customer.id);
  },
};
