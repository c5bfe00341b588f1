import { pendingEventsSource, startOutboxRelay } from '@mesh/events';
import { DEFAULT_EVENT_CONCURRENCY, type SubgraphRuntime } from '@mesh/server-kit';
import { hintedSource, type HintedCollection } from './events/hinted-source.js';
import { levelEventsCollection } from './events/level-events.source.js';
import { subscribeToOrderEvents } from './events/order-events.consumer.js';
import type { InventorySettings } from './inventory-settings.js';
import { startReservationExpiry } from './jobs/expire-reservations.job.js';
import type { InventoryModels } from './models/index.js';
import { onEventHint } from './models/event-hint.model.js';
import { RESERVATIONS_COLLECTION } from './services/reservation-lines.js';
import { settlePendingMovements } from './services/settle-movement.service.js';

/**
 * What inventory runs beside its HTTP server: the relay that publishes the events recorded with
 * each change (level changes, reservations), poked by every hint so they go out at once; the
 * order-events consumer; and the reservation expiry job. Stopped (consumer first, relay last)
 * before the database closes.
 */
export async function startInventoryBackground(runtime: SubgraphRuntime<InventoryModels>, settings: InventorySettings): Promise<{ stop(): Promise<void> }> {
  const { models, bus, logger } = runtime;
  // Movements a crash left PENDING (seed runs this too, but not in production).
  await settlePendingMovements(models, logger);
  const reservationEvents = pendingEventsSource(models.reservations);
  const reservationsCollection: HintedCollection = {
    collectionName: RESERVATIONS_COLLECTION,
    async pendingOf(ids) {
      const found = await models.reservations.find({ _id: { $in: [...ids] as string[] }, 'pendingEvents.id': { $exists: true } }, { pendingEvents: 1 }).lean();
      return found.map((reservation) => ({ documentId: reservation._id, pendingEvents: reservation.pendingEvents ?? [] }));
    },
    async scan(limit) {
      return (await reservationEvents.withPendingEvents(limit)).map((entry) => entry.documentId);
    },
    pull: (documentId, eventIds) => reservationEvents.pull(documentId, eventIds),
  };
  const relay = startOutboxRelay({
    model: models.outbox,
    bus,
    logger,
    intervalMs: settings.relayIntervalMs,
    sources: [
      hintedSource(models.eventHints, levelEventsCollection(models), { rescanMs: settings.eventRescanMs }),
      hintedSource(models.eventHints, reservationsCollection, { rescanMs: settings.eventRescanMs }),
    ],
  });
  const stopPoking = onEventHint(models.eventHints, relay.poke);
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
      stopPoking();
      await relay.stop();
    },
  };
}
