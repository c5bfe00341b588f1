import { pendingEventsSource, startOutboxRelay } from '@mesh/events';
import { DEFAULT_EVENT_CONCURRENCY, type SubgraphRuntime } from '@mesh/server-kit';
import { measuringInventoryKpis } from './events/inventory-kpis.js';
import { levelEventsSource } from './events/level-events.source.js';
import { subscribeToOrderEvents } from './events/order-events.consumer.js';
import type { InventorySettings } from './inventory-settings.js';
import { startReservationExpiry } from './jobs/expire-reservations.job.js';
import type { InventoryModels } from './models/index.js';
import { settlePendingMovements } from './services/settle-movement.service.js';

/**
 * What inventory runs beside its HTTP server: the relay that publishes the events recorded with
 * each change (level changes, reservations), woken by every write that recorded some; the
 * order-events consumer; and the reservation expiry job. Stopped (consumer first, relay last)
 * before the database closes.
 */
export async function startInventoryBackground(runtime: SubgraphRuntime<InventoryModels>, settings: InventorySettings): Promise<{ stop(): Promise<void> }> {
  const { models, bus, logger } = runtime;
  const measured = measuringInventoryKpis(bus, runtime.metrics.registry);
  // Movements a crash left PENDING (seed runs this too, but not in production).
  await settlePendingMovements(models, logger);
  const relay = startOutboxRelay({
    model: models.outbox,
    bus: measured,
    logger,
    intervalMs: settings.relayIntervalMs,
    idleIntervalMs: settings.relayIdleIntervalMs,
    sources: [levelEventsSource(models), pendingEventsSource(models.reservations)],
  });
  const consumer = await subscribeToOrderEvents(models, bus, {
    reservationTtlMs: settings.reservationTtlMs,
    logger,
    afterChange: relay.poke,
    concurrency: runtime.config.eventConcurrency ?? DEFAULT_EVENT_CONCURRENCY,
    ...(settings.orderEventsDelivery ? { delivery: settings.orderEventsDelivery } : {}),
  });
  const expiry = startReservationExpiry(models, { intervalMs: settings.expiryIntervalMs, logger });
  return {
    async stop() {
      await consumer.stop();
      await expiry.stop();
      await relay.stop();
    },
  };
}
