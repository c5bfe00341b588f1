import { idempotent, mongoProcessedEvents, type EventBus, type Subscription } from '@mesh/events';
import type { ProductModels } from '../models/index.js';
import { releaseCouponsOfSale } from '../pricing/redeem-coupons.service.js';

/** The durable consumer name the product domain reads order events with. */
export const PRODUCT_ORDER_EVENTS_CONSUMER = 'product-order-events';

/**
 * Gives back the coupon uses of an order that was rejected or cancelled (the order id is the key
 * its coupons were redeemed with). Idempotent twice over: the processed-event store skips a
 * redelivery, and each release is guarded on the redemption still being there.
 */
export function subscribeToOrderEvents(models: ProductModels, bus: EventBus): Promise<Subscription> {
  const store = mongoProcessedEvents(models.processedEvents);
  return bus.subscribe(
    ['order.order-rejected', 'order.order-cancelled'],
    PRODUCT_ORDER_EVENTS_CONSUMER,
    idempotent(
      store,
      async (envelope) => {
        await releaseCouponsOfSale(models, envelope.data.orderId);
      },
      // An order that redeemed no coupon has nothing to give back (every rejected order of a flash
      // sale would otherwise cost a claim); an event that does not say (older ones) is handled.
      { handles: (envelope) => envelope.data.couponCodes === undefined || envelope.data.couponCodes.length > 0 },
    ),
  );
}
