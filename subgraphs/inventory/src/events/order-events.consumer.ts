import { idempotent, mongoProcessedEvents, type AnyEnvelope, type EventBus, type SubscribeOptions, type Subscription } from '@mesh/events';
import type { Logger } from '@mesh/server-kit';
import type { InventoryModels } from '../models/index.js';
import { commitReservation } from '../services/commit-reservation.service.js';
import { recordCarryOutSale } from '../services/record-carry-out-sale.service.js';
import { recordReturnMovements } from '../services/record-return.service.js';
import { releaseReservation } from '../services/release-reservation.service.js';
import { reserveStock } from '../services/reserve-stock.service.js';

/** The order events inventory consumes. */
export const INVENTORY_ORDER_TOPICS = ['order.order-placed', 'order.order-cancelled', 'order.order-status-changed', 'order.return-received'] as const;
type InventoryOrderTopic = (typeof INVENTORY_ORDER_TOPICS)[number];

/** The durable consumer name inventory reads order events with. */
export const ORDER_EVENTS_CONSUMER = 'inventory-order-events';

/** The reservation key of an order: one reservation per order, whatever redelivers its event. */
export const orderReservationKey = (orderId: string) => `order:${orderId}`;

/**
 * Whether an order event moves stock: a till sale's placement does not (the goods already left),
 * nor does a status change without `fulfillment` (most of them: PLACED, CONFIRMED, REJECTED...).
 */
export function concernsStock(envelope: AnyEnvelope<InventoryOrderTopic>): boolean {
  if (envelope.type === 'order.order-placed') return envelope.data.status !== 'COMPLETED';
  if (envelope.type === 'order.order-status-changed') return envelope.data.fulfillment != null;
  return true;
}

/**
 * Reserves stock for every placed order (all lines at the fulfilment location, or none) and
 * releases it when the order is cancelled, and commits it (SALE movements) when an order's status
 * change carries `fulfillment` (goods left stock). A till sale (order-placed with status COMPLETED)
 * reserves nothing; its status change carrying CARRY_OUT fulfilment, with no reservation for the
 * order, records SALE movements directly at the store, once per (order, SKU). It also puts the sellable units of a received
 * return back on hand (RETURN movements, see record-return.service.ts). The outcome is published from the reservation
 * (inventory.stock-reserved or inventory.stock-reservation-rejected, caused by the order event).
 * Idempotent twice over: the processed-event store skips a redelivery, and the reservation key
 * makes a re-run after a crash return the first reservation.
 * Up to `concurrency` events run at once (default 1), partitioned by order id: the events of one
 * order (placed, status changes, cancelled, returns) stay in order, different orders run in
 * parallel, which is safe because every stock change is a guarded single-document update.
 */
export function subscribeToOrderEvents(
  models: InventoryModels,
  bus: EventBus,
  options: { reservationTtlMs: number; logger: Logger; afterChange?: () => void; delivery?: SubscribeOptions; concurrency?: number },
): Promise<Subscription> {
  const store = mongoProcessedEvents(models.processedEvents);
  return bus.subscribe(
    INVENTORY_ORDER_TOPICS,
    ORDER_EVENTS_CONSUMER,
    idempotent(
      store,
      async (envelope) => {
        const lineage = { correlationId: envelope.correlationId, causationId: envelope.id };
        if (envelope.type === 'order.order-placed') {
          const order = envelope.data; // Never a till sale (COMPLETED): see concernsStock.
          await reserveStock(models, lineage, {
            key: orderReservationKey(order.orderId),
            orderId: order.orderId,
            locationId: order.fulfillment.locationId,
            lines: order.lines.map(({ sku, quantity }) => ({ sku, quantity })),
            ttlMs: options.reservationTtlMs,
          });
        } else if (envelope.type === 'order.order-status-changed') {
          // Only the transition at which goods leave stock carries fulfillment (see concernsStock): the reservation becomes SALE movements.
          const fulfillment = envelope.data.fulfillment;
          if (!fulfillment) return;
          if (fulfillment.type === 'CARRY_OUT' && !(await models.reservations.exists({ key: orderReservationKey(envelope.data.orderId) }))) {
            // Sold at the till with no reservation: SALE movements straight at the store (see recordCarryOutSale).
            await recordCarryOutSale(
              models,
              lineage,
              { orderId: envelope.data.orderId, locationId: fulfillment.locationId, lines: fulfillment.lines, occurredAt: new Date(envelope.occurredAt) },
              options.logger,
            );
            options.afterChange?.();
            return;
          }
          const outcome = await commitReservation(models, { key: orderReservationKey(envelope.data.orderId) });
          if (outcome.kind === 'not-found' || (outcome.kind === 'not-held' && outcome.reservation.status === 'PENDING')) {
            throw new Error(`order ${envelope.data.orderId} has no decided reservation yet`);
          }
          if (outcome.kind === 'not-held')
            options.logger.warn(
              { orderId: envelope.data.orderId, status: outcome.reservation.status },
              'fulfilled order has no held reservation; nothing committed',
            );
        } else if (envelope.type === 'order.return-received') {
          // SELLABLE units go back on hand where they were brought (RETURN movements); DAMAGED ones add nothing.
          await recordReturnMovements(models, envelope);
        } else {
          const outcome = await releaseReservation(models, { key: orderReservationKey(envelope.data.orderId) }, 'ORDER_CANCELLED');
          // Placed not yet processed, or still being decided: throw, so the bus retries it later.
          if (outcome.kind === 'not-found' || (outcome.kind === 'not-held' && outcome.reservation.status === 'PENDING')) {
            throw new Error(`order ${envelope.data.orderId} has no decided reservation yet`);
          }
        }
        options.afterChange?.();
      },
      {
        handles: concernsStock,
        // A placement's reservation is keyed by order and decided per line by markers: safe to re-run, and to run twice at once.
        guarded: (envelope) => envelope.type === 'order.order-placed',
      },
    ),
    { ...options.delivery, concurrency: options.concurrency ?? 1, partitionKey: (envelope) => envelope.data.orderId },
  );
}
