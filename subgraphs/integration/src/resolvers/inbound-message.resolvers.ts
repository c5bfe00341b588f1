import type { InboundMessageResolvers } from '../__generated__/resolvers-types.js';

export const InboundMessage: InboundMessageResolvers = {
  id: (message) => message._id,
  order: (message) => (message.orderId ? { __typename: 'Order', id: message.orderId } : null),
};
