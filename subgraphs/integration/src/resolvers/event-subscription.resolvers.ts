import type { EventDeliveryResolvers, EventSubscriptionResolvers } from '../__generated__/resolvers-types.js';

export const EventSubscription: EventSubscriptionResolvers = {
  id: (subscription) => subscription._id,
  pendingDeliveries: (subscription, _args, { subscribers }) => subscribers.count(subscription._id, 'PENDING'),
  deliveredDeliveries: (subscription, _args, { subscribers }) => subscribers.count(subscription._id, 'DELIVERED'),
  deadDeliveries: (subscription, _args, { subscribers }) => subscribers.count(subscription._id, 'DEAD'),
};

export const EventDelivery: EventDeliveryResolvers = {
  id: (delivery) => delivery._id,
};
