import { pendingEventsSource, startOutboxRelay } from '@mesh/events';
import { DEFAULT_EVENT_CONCURRENCY, type Stoppable, type SubgraphResources } from '@mesh/server-kit';
import { measuringInventoryKpis } from './events/inventory-kpis.js';
import { levelEventsSource } from './events/level-events.source.js';
import { subscribeToOrderEvents } from './events/order-events.consumer.js';
import { startReservationExpiry } from './jobs/expire-reservations.job.js';
import type { InventoryModels } from './models/index.js';
import type { InventoryRuntime } from './runtime.js';
import { settlePendingMovements } from './services/settle-movement.service.js';
import type { InventorySettings } from './settings.js';

/**
 * What inventory runs beside its HTTP server: the relay that publishes the events recorded with
 * each change (level changes, reservations), woken by every write that recorded some; the
 * order-events consumer; and the reservation expiry job. Stopped (consumer first, relay last)
 * before the database closes.
 */
export async function startInventoryEvents(
  { settings, models }: InventoryRuntime,
  { bus, logger, metrics, config, liveFeed }: SubgraphResources<InventorySettings, InventoryModels>,
): Promise<Stoppable> {
  // Opened before anything is published, so a subscription's cursor can reach back to this start.
  await liveFeed();
  const measured = measuringInventoryKpis(bus, metrics.registry);
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
    concurrency: config.eventConcurrency ?? DEFAULT_EVENT_CONCURRENCY,
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
