import type { OrderStatusUpdateResolvers, SubscriptionResolvers } from '../__generated__/resolvers-types.js';
import type { OrderStatusUpdateView } from '../lifecycle/order-status-update.js';

export const Subscription: SubscriptionResolvers = {
  orderStatusChanged: {
    subscribe: (_root, args, { orders }) => orders.watchStatus(args),
    // The stream's last value may be an Error (SLOW_CONSUMER, feed failure): it becomes the event's error.
    resolve: (payload: OrderStatusUpdateView | Error) => {
      if (payload instanceof Error) throw payload;
      return payload;
    },
  },
};

export const OrderStatusUpdate: OrderStatusUpdateResolvers = {
  // Read fresh for every event: the subscription's loaders live as long as it does.
  order: (update, _args, { loaders }) => (update.orderId ? loaders.orderById.clear(update.orderId).load(update.orderId) : null),
};
