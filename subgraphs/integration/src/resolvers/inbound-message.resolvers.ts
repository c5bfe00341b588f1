import type { InboundMessageResolvers } from '../__generated__/resolvers-types.js';

export const InboundMessage: InboundMessageResolvers = {
  id: (message) => message._id,
  body: (message, _args, { inbox }) => (inbox.mayReadBodies ? message.body : null),
  order: (message) => (message.orderId ? { __typename: 'Order', id: message.orderId } : null),
};
