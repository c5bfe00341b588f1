import type { MutationResolvers, RecordStockMovementResultResolvers } from '../__generated__/resolvers-types.js';

export const Mutation: MutationResolvers = {
  recordStockMovement: (_parent, { input }, { inventory }) => inventory.recordMovement(input),
};

export const RecordStockMovementResult: RecordStockMovementResultResolvers = {
  __resolveType: (outcome) => (outcome.kind === 'recorded' ? 'StockMovementRecorded' : 'InsufficientStock'),
};
