import { createEventLogModel, readEventTrail, trailSteps } from '@mesh/events';
import type { TraceStep } from '../__generated__/schema-types.js';
import type { OrderModels } from '../models/index.js';

/** Most entries read per source; a workflow has far fewer. */
const TRACE_LIMIT = 500;

/**
 * The order domain's steps of a workflow, oldest first: the events it published and handled, and
 * every status change of the orders carrying the correlation id.
 */
export async function readOrderTraceSteps(models: OrderModels, correlationId: string): Promise<TraceStep[]> {
  const [trail, orders] = await Promise.all([
    readEventTrail({ eventLog: createEventLogModel(models.orders.db), processedEvents: models.processedEvents }, correlationId, TRACE_LIMIT),
    models.orders.find({ correlationId }, { number: 1, channel: 1, statusHistory: 1 }).sort({ placedAt: 1, _id: 1 }).limit(TRACE_LIMIT).lean(),
  ]);
  const steps: TraceStep[] = [
    ...trailSteps(trail).map((step) => ({ ...step, domain: 'ORDER' as const })),
    ...orders.flatMap((order) =>
      order.statusHistory.map((change) => ({
        at: change.at,
        domain: 'ORDER' as const,
        kind: `order status ${change.status}`,
        summary: `${order.channel} order ${order.number} became ${change.status}${change.reason ? ` (${change.reason})` : ''}`,
        reference: order._id,
      })),
    ),
  ];
  return steps.sort((a, b) => new Date(a.at).getTime() - new Date(b.at).getTime());
}
