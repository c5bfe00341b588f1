import { announceEvents, idempotent, mongoProcessedEvents, writtenDocuments, type EventBus } from '@mesh/events';
import type { Stoppable } from '@mesh/server-kit';
import { recordCustomerMerge } from '../customers/record-customer-merge.service.js';
import { cancelExpiredOrder } from '../lifecycle/cancel-expired-order.service.js';
import { recordStockDecision } from '../placement/record-stock-decision.service.js';
import type { OrderRuntime } from '../runtime.js';

/** The durable consumer through which the order domain follows customer merges. */
export const CUSTOMER_MERGES_CONSUMER = 'order-customer-merges';
/** The durable consumer through which the order domain learns inventory's answer to its orders. */
export const STOCK_DECISIONS_CONSUMER = 'order-stock-decisions';
/** The durable consumer through which the order domain cancels orders whose reservation expired. */
export const RESERVATION_EXPIRIES_CONSUMER = 'order-reservation-expiries';

/**
 * The order domain's durable consumers, idempotent per event key (a redelivery changes nothing):
 * - `customer.customers-merged`, one merge at a time across replicas;
 * - `inventory.stock-reserved` / `inventory.stock-reservation-rejected` (an order PLACED or PENDING
 *   becomes CONFIRMED or REJECTED), up to `concurrency` decisions at once, partitioned by order id
 *   (one order's decisions stay in order);
 * - `inventory.reservation-released`: an EXPIRED reservation cancels its order (PICKUP_EXPIRED),
 *   since the stock it held is gone.
 * `pokeRelay` wakes the outbox relay after a write that recorded events.
 */
export async function subscribeOrderConsumers(
  runtime: OrderRuntime,
  bus: EventBus,
  options: { concurrency: number; pokeRelay: () => void },
): Promise<Stoppable> {
  const { models } = runtime;
  const processed = mongoProcessedEvents(models.processedEvents);
  const merges = await bus.subscribe(
    'customer.customers-merged',
    CUSTOMER_MERGES_CONSUMER,
    idempotent(processed, (envelope) => recordCustomerMerge(models, envelope)),
    // A merge reads the survivor's alias, then repoints; two at once on two replicas could leave a
    // chain two hops long, so merges run one at a time across every order replica.
    { exclusive: true },
  );
  const decisions = await bus.subscribe(
    ['inventory.stock-reserved', 'inventory.stock-reservation-rejected'],
    STOCK_DECISIONS_CONSUMER,
    idempotent(
      processed,
      async (envelope) => {
        const placedHere = runtime.recentlyPlaced.get(envelope.data.orderId);
        runtime.recentlyPlaced.delete(envelope.data.orderId);
        const decided = await recordStockDecision(models, envelope, placedHere);
        if (decided) announceEvents(models.orders, writtenDocuments(decided));
        // Decided (now or by an earlier delivery): wake this replica's callers waiting on the order,
        // handing them the decided order when this delivery decided it (they need not read it).
        runtime.intake.decided(envelope.data.orderId);
        runtime.decisions.notify(envelope.data.orderId, decided ?? undefined);
      },
      { guarded: () => true },
    ), // The decision is one update guarded on PLACED/PENDING: a re-run changes nothing.
    { concurrency: options.concurrency, partitionKey: (envelope) => envelope.data.orderId },
  );
  const expiries = await bus.subscribe(
    'inventory.reservation-released',
    RESERVATION_EXPIRIES_CONSUMER,
    idempotent(processed, async (envelope) => {
      if (await cancelExpiredOrder(models, envelope)) options.pokeRelay();
    }),
  );
  return {
    async stop() {
      await Promise.all([merges.stop(), decisions.stop(), expiries.stop()]);
    },
  };
}
