import { identifier } from '@mesh/server-kit';
import { requireCapability } from '../access.js';
import type { QueryResolvers } from '../__generated__/resolvers-types.js';

export const Query: QueryResolvers = {
  locations: (_parent, args, { principal, inventory }) => {
    requireCapability(principal, 'catalog:read');
    return inventory.listLocations(args);
  },
  location: (_parent, { id }, { principal, loaders }) => {
    requireCapability(principal, 'catalog:read');
    return loaders.locationById.load(identifier(id, 'id'));
  },
  availability: (_parent, { skus, locationIds }, { principal, inventory }) => {
    requireCapability(principal, 'catalog:read');
    return inventory.readAvailability(skus, locationIds, { requireKnown: true });
  },
  stockMovements: (_parent, args, { inventory }) => inventory.listMovements(args),
  stockExceptions: (_parent, args, { inventory }) => inventory.listStockExceptions(args),
};
