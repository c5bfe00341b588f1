import { pendingEventsSource, startOutboxRelay, type WithPendingEvents } from '@mesh/events';
import type { Model } from 'mongoose';
import type { Stoppable, SubgraphResources } from '@mesh/server-kit';
import { subscribeToOrderEvents } from './events/order-events.consumer.js';
import type { ProductModels } from './models/index.js';
import { startCouponSweeper } from './pricing/coupon-sweeper.job.js';
import { startPriceAnnouncer } from './pricing/price-announcer.job.js';
import type { ProductRuntime } from './runtime.js';
import type { ProductSettings } from './settings.js';

/**
 * What the product subgraph runs beside its HTTP server: the price announcer (scheduled prices
 * that took effect become `product.price-changed`) and the relay that publishes the events it
 * records in the price lists; the order-events consumer that confirms the coupon uses of placed
 * orders and gives back those of rejected and cancelled ones; and the coupon sweeper that gives
 * back uses whose order never appeared. Stopped consumer first, relay last.
 */
export async function startProductEvents(
  { settings, models }: ProductRuntime,
  { bus, logger, liveFeed }: SubgraphResources<ProductSettings, ProductModels>,
): Promise<Stoppable> {
  // Opened before anything is announced, so a subscription's cursor can reach back to this start.
  await liveFeed();
  const relay = startOutboxRelay({
    model: models.outbox,
    bus,
    logger,
    intervalMs: settings.relayIntervalMs,
    idleIntervalMs: settings.relayIdleIntervalMs,
    // The plugin adds pendingEvents to the schema; the record type keeps it optional (absent when none).
    sources: [pendingEventsSource(models.priceLists as unknown as Model<WithPendingEvents>)],
  });
  const announcer = startPriceAnnouncer(models, { recheckMs: settings.priceAnnouncerRecheckMs, logger, afterChange: relay.poke });
  const sweeper = startCouponSweeper(models, { intervalMs: settings.couponSweepIntervalMs, timeoutMs: settings.couponOrderTimeoutMs, logger });
  const consumer = await subscribeToOrderEvents(models, bus, logger);
  return {
    async stop() {
      await consumer.stop();
      await sweeper.stop();
      await announcer.stop();
      await relay.stop();
    },
  };
}
