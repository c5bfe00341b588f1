import type { LocationResolvers } from '../__generated__/resolvers-types.js';

export const Location: LocationResolvers = {
  __resolveReference: (reference, { loaders }) => loaders.locationById.load(reference.id),
  id: (location) => location._id,
};
