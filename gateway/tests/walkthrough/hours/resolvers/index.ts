import type { Resolvers } from '../__generated__/resolvers-types.js';

export const resolvers: Resolvers = {
  Query: {
    storeHours: (_parent, { storeId }, { hours }) => hours.read(storeId),
  },
  Mutation: {
    setStoreHours: (_parent, { input }, { hours }) => hours.set(input),
  },
  StoreHours: {
    __resolveReference: (reference, { hours }) => hours.read(reference.storeId),
    storeId: (record) => record._id,
    closedUntil: (record) => record.closedUntil?.toISOString() ?? null,
  },
};
