import { requireCapability } from '../access.js';
import type { AvailabilityUpdateResolvers, SubscriptionResolvers } from '../__generated__/resolvers-types.js';
import type { AvailabilityUpdateView } from '../services/watch-availability.service.js';

export const Subscription: SubscriptionResolvers = {
  availabilityChanged: {
    subscribe: (_root, args, { principal, inventory }) => {
      requireCapability(principal, 'catalog:read');
      return inventory.watchAvailability(args);
    },
    // The stream's last value may be an Error (slow reader, feed failure): it becomes the event's error.
    resolve: (payload: AvailabilityUpdateView | Error) => {
      if (payload instanceof Error) throw payload;
      return payload;
    },
  },
};

export const AvailabilityUpdate: AvailabilityUpdateResolvers = {
  location: async (update, _args, { loaders }) => (update.locationId ? await loaders.locationById.load(update.locationId) : null),
  variant: (update) => (update.sku ? { sku: update.sku } : null),
};
