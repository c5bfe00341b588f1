import type { MutationResolvers, OrderRejectedResolvers, PlaceOrderResultResolvers } from '../__generated__/resolvers-types.js';

export const Mutation: MutationResolvers = {
  placeOrder: (_parent, { input }, { orders }) => orders.place(input),
  shipOrder: (_parent, { orderId, idempotencyKey, tracking }, { orders }) =>
    orders.transition('ship', { orderId, idempotencyKey, ...(tracking ? { tracking } : {}) }),
  recordDelivery: (_parent, { orderId, tracking, deliveredAt }, { orders }) => orders.recordDelivery({ orderId, tracking, deliveredAt }),
  markReadyForPickup: (_parent, { orderId, idempotencyKey }, { orders }) => orders.transition('markReadyForPickup', { orderId, idempotencyKey }),
  confirmPickup: (_parent, { orderId, idempotencyKey }, { orders }) => orders.transition('confirmPickup', { orderId, idempotencyKey }),
  cancelOrder: (_parent, { orderId, reason, idempotencyKey }, { orders }) => orders.transition('cancel', { orderId, reason, idempotencyKey }),
  createReturn: (_parent, { input }, { returns }) => returns.create(input),
  receiveReturn: (_parent, { input }, { returns }) => returns.receive(input),
  refundPayment: (_parent, { input }, { returns }) => returns.refund(input),
  recordExternalOrder: (_parent, { input }, { orders }) => orders.recordExternal(input),
  syncPosTransactions: (_parent, { storeId, transactions }, { orders }) => orders.syncPos(storeId, transactions),
};

export const PlaceOrderResult: PlaceOrderResultResolvers = {
  __resolveType: (result) => (result.kind === 'rejected' ? 'OrderRejected' : 'OrderPlaced'),
};

export const OrderRejected: OrderRejectedResolvers = {
  shortages: (result) => [...result.shortages],
};
