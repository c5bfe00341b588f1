import { idempotent, mongoProcessedEvents, type EventBus, type Subscription } from '@mesh/events';
import type { Logger } from '@mesh/server-kit';
import type { ProductModels } from '../models/index.js';
import { confirmOrderCoupons, releaseCouponsOfSale, usesOfSale } from '../pricing/redeem-coupons.service.js';

/** The durable consumer name the product domain reads order events with. */
export const PRODUCT_ORDER_EVENTS_CONSUMER = 'product-order-events';

/**
 * Confirms the coupon uses of a placed order (the coupon sweeper leaves them alone from then on),
 * and gives back those of an order that was rejected or cancelled (the order id is the key its
 * coupons were redeemed with). Idempotent twice over: the processed-event store skips a
 * redelivery, and each write is guarded on the redemption's state. A placed order whose use the
 * coupon sweeper already gave back (its event came later than PRODUCT_COUPON_ORDER_TIMEOUT_MS) is
 * logged as a warning: the coupon counts one use fewer than it was given.
 */
export function subscribeToOrderEvents(models: ProductModels, bus: EventBus, logger: Logger): Promise<Subscription> {
  const store = mongoProcessedEvents(models.processedEvents);
  return bus.subscribe(
    ['order.order-placed', 'order.order-rejected', 'order.order-cancelled'],
    PRODUCT_ORDER_EVENTS_CONSUMER,
    idempotent(
      store,
      async (envelope) => {
        if (envelope.type !== 'order.order-placed') {
          await releaseCouponsOfSale(models, envelope.data.orderId);
          return;
        }
        // An event from before couponCodes was added (an order service not yet upgraded) says nothing: confirm whatever the order holds.
        const codes = envelope.data.couponCodes ?? (await usesOfSale(models, envelope.data.orderId));
        if ((await confirmOrderCoupons(models, envelope.data.orderId, codes)) === codes.length) return;
        // Fewer confirmed than redeemed: a redelivery (confirmed before), or uses the sweep gave back.
        const held = await usesOfSale(models, envelope.data.orderId);
        const givenBack = codes.filter((code) => !held.includes(code));
        if (givenBack.length)
          logger.warn({ orderId: envelope.data.orderId, coupons: givenBack }, "a placed order's coupon use had already been given back by the coupon sweeper");
      },
      // An order that redeemed no coupon has nothing to confirm or give back (every order of a flash
      // sale would otherwise cost a claim); an event that does not say (older ones) is handled.
      { handles: (envelope) => envelope.data.couponCodes === undefined || envelope.data.couponCodes.length > 0 },
    ),
  );
}
