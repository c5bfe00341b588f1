import type {
  MutationResolvers,
  ReceiveTransferResultResolvers,
  RecordStockMovementResultResolvers,
  TransferStockResultResolvers,
} from '../__generated__/resolvers-types.js';

export const Mutation: MutationResolvers = {
  recordStockMovement: (_parent, { input }, { inventory }) => inventory.recordMovement(input),
  transferStock: (_parent, { input }, { inventory }) => inventory.transferStock(input),
  receiveTransfer: (_parent, args, { inventory }) => inventory.receiveTransfer(args),
};

export const RecordStockMovementResult: RecordStockMovementResultResolvers = {
  __resolveType: (outcome) => (outcome.kind === 'recorded' ? 'StockMovementRecorded' : 'InsufficientStock'),
};

export const TransferStockResult: TransferStockResultResolvers = {
  __resolveType: (outcome) => (outcome.kind === 'transferred' ? 'StockTransferred' : 'InsufficientStock'),
};

export const ReceiveTransferResult: ReceiveTransferResultResolvers = {
  __resolveType: (outcome) => (outcome.kind === 'received' ? 'TransferReceived' : 'TransferNotReceivable'),
};
