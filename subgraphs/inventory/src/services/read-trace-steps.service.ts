import { createEventLogModel, readEventTrail, trailSteps } from '@mesh/events';
import type { TraceStep } from '../__generated__/schema-types.js';
import type { InventoryModels } from '../models/index.js';

/** Most entries read per source; a workflow has far fewer. */
const TRACE_LIMIT = 500;

/**
 * Inventory's steps of a workflow, oldest first: the events it published and handled, the stock
 * movements and the reservations carrying the correlation id.
 */
export async function readInventoryTraceSteps(models: InventoryModels, correlationId: string): Promise<TraceStep[]> {
  const [trail, movements, reservations] = await Promise.all([
    readEventTrail({ eventLog: createEventLogModel(models.outbox.db), processedEvents: models.processedEvents }, correlationId, TRACE_LIMIT),
    models.movements.find({ correlationId }).sort({ occurredAt: 1, _id: 1 }).limit(TRACE_LIMIT).lean(),
    models.reservations.find({ correlationId }, { pendingEvents: 0 }).sort({ createdAt: 1, _id: 1 }).limit(TRACE_LIMIT).lean(),
  ]);
  const steps: TraceStep[] = [
    ...trailSteps(trail).map((step) => ({ ...step, domain: 'INVENTORY' as const })),
    ...movements.map((movement) => ({
      at: movement.occurredAt,
      domain: 'INVENTORY' as const,
      kind: `stock movement ${movement.type}`,
      summary: `${movement.type} ${movement.quantityDelta > 0 ? '+' : ''}${movement.quantityDelta} of ${movement.sku} at ${movement.locationId} (${movement.status}${movement.orderId ? `, order ${movement.orderId}` : ''})`,
      reference: movement._id,
    })),
    ...reservations.flatMap((reservation) => {
      const lines = reservation.lines.map((line) => `${line.quantity} × ${line.sku}`).join(', ');
      const created = {
        at: reservation.createdAt,
        domain: 'INVENTORY' as const,
        kind: 'reservation requested',
        summary: `reservation for order ${reservation.orderId} at ${reservation.locationId}: ${lines}`,
        reference: reservation._id,
      };
      if (reservation.status === 'PENDING') return [created];
      const reason = reservation.releaseReason ? ` (${reservation.releaseReason})` : '';
      return [
        created,
        {
          at: reservation.updatedAt,
          domain: 'INVENTORY' as const,
          kind: `reservation ${reservation.status}`,
          summary: `reservation for order ${reservation.orderId} is ${reservation.status}${reason}`,
          reference: reservation._id,
        },
      ];
    }),
  ];
  return steps.sort((a, b) => new Date(a.at).getTime() - new Date(b.at).getTime());
}
