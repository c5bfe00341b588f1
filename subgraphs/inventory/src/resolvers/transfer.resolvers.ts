import type { TransferResolvers } from '../__generated__/resolvers-types.js';

export const Transfer: TransferResolvers = {
  id: (transfer) => transfer._id,
  fromLocation: async (transfer, _args, { loaders }) => required(await loaders.locationById.load(transfer.fromLocationId), transfer.fromLocationId),
  toLocation: async (transfer, _args, { loaders }) => required(await loaders.locationById.load(transfer.toLocationId), transfer.toLocationId),
};

function required<T>(value: T | null, locationId: string): T {
  if (value === null) throw new Error(`transfer refers to missing location ${locationId}`);
  return value;
}
