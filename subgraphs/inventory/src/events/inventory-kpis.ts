import { Counter, Histogram, type Registry } from 'prom-client';
import type { AnyEnvelope, EventBus } from '@mesh/events';
import { KPI_LATENCY_BUCKETS } from '@mesh/server-kit';

/** The inventory sync latency histogram's name (read back for LiveKpis). */
export const STOCK_MOVEMENT_TO_AVAILABILITY = 'mesh_kpi_stock_movement_to_availability_seconds';

/**
 * The bus inventory's relay publishes through, measuring two KPIs on each availability change it
 * gets accepted (a duplicate publish is not counted again):
 * - mesh_kpi_stock_movement_to_availability_seconds: from the stock change (the movement, a
 *   reservation, a release) to its availability update reaching the broker, from which the
 *   gateway's availabilityChanged subscriptions are pushed;
 * - mesh_kpi_oversells_total: changes that left a level with more units reserved than on hand.
 *   Reservations are guarded updates, so this must stay 0; anything else is a bug to page on.
 */
export function measuringInventoryKpis(bus: EventBus, registry: Registry): EventBus {
  const toAvailability = new Histogram({
    name: STOCK_MOVEMENT_TO_AVAILABILITY,
    help: 'KPI: from a stock change to its availability update being published for live subscribers',
    buckets: KPI_LATENCY_BUCKETS,
    registers: [registry],
  });
  const oversells = new Counter({
    name: 'mesh_kpi_oversells_total',
    help: 'KPI: stock changes that left more units reserved than on hand at a location (must stay 0)',
    registers: [registry],
  });
  oversells.inc(0);
  return {
    ...bus,
    async publish(envelope) {
      const result = await bus.publish(envelope);
      const event = envelope as AnyEnvelope;
      if (!result.duplicate && event.type === 'inventory.availability-changed') {
        toAvailability.observe(Math.max(0, (Date.now() - Date.parse(event.occurredAt)) / 1000));
        if (event.data.reserved > event.data.onHand) oversells.inc();
      }
      return result;
    },
  };
}
