import { requireCapability } from '../access.js';
import type { InventoryLoaders } from '../loaders.js';
import { availableToSell } from '../models/stock-level.model.js';
import type { AvailabilityResolvers, ProductVariantResolvers, StockLevelResolvers, StockMovementResolvers } from '../__generated__/resolvers-types.js';

export const ProductVariant: ProductVariantResolvers = {
  // The product subgraph owns the variant; inventory needs nothing but its key.
  __resolveReference: (reference) => ({ sku: reference.sku }),
  availability: async (variant, { locationIds }, { principal, inventory }) => {
    requireCapability(principal, 'catalog:read');
    const [availability] = await inventory.readAvailability([variant.sku], locationIds, { requireKnown: false });
    if (!availability) throw new Error(`no availability read for ${variant.sku}`);
    return availability;
  },
};

export const Availability: AvailabilityResolvers = {
  available: (availability) => availability.levels.reduce((sum, level) => sum + availableToSell(level), 0),
};

export const StockLevel: StockLevelResolvers = {
  location: (level, _args, { loaders }) => locationOf(loaders, level.locationId),
  available: (level) => availableToSell(level),
};

export const StockMovement: StockMovementResolvers = {
  id: (movement) => movement._id,
  location: (movement, _args, { loaders }) => locationOf(loaders, movement.locationId),
};

async function locationOf(loaders: InventoryLoaders, locationId: string) {
  const location = await loaders.locationById.load(locationId);
  if (!location) throw new Error(`stock refers to missing location ${locationId}`);
  return location;
}
