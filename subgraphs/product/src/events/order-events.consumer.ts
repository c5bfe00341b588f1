import { idempotent, mongoProcessedEvents, type EventBus, type Subscription } from '@mesh/events';
import type { ProductModels } from '../models/index.js';
import { confirmOrderCoupons, releaseCouponsOfSale } from '../pricing/redeem-coupons.service.js';

/** The durable consumer name the product domain reads order events with. */
export const PRODUCT_ORDER_EVENTS_CONSUMER = 'product-order-events';

/**
 * Confirms the coupon uses of a placed order (the coupon sweeper leaves them alone from then on),
 * and gives back those of an order that was rejected or cancelled (the order id is the key its
 * coupons were redeemed with). Idempotent twice over: the processed-event store skips a
 * redelivery, and each write is guarded on the redemption's state.
 */
export function subscribeToOrderEvents(models: ProductModels, bus: EventBus): Promise<Subscription> {
  const store = mongoProcessedEvents(models.processedEvents);
  return bus.subscribe(
    ['order.order-placed', 'order.order-rejected', 'order.order-cancelled'],
    PRODUCT_ORDER_EVENTS_CONSUMER,
    idempotent(
      store,
      async (envelope) => {
        if (envelope.type === 'order.order-placed') await confirmOrderCoupons(models, envelope.data.orderId, envelope.data.couponCodes ?? []);
        else await releaseCouponsOfSale(models, envelope.data.orderId);
      },
      // An order that redeemed no coupon has nothing to confirm or give back (every order of a flash
      // sale would otherwise cost a claim); an event that does not say (older ones) is handled.
      { handles: (envelope) => envelope.data.couponCodes === undefined || envelope.data.couponCodes.length > 0 },
    ),
  );
}
