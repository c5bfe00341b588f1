import { createEventLogModel, readEventTrail, trailSteps } from '@mesh/events';
import type { TraceStep } from '../__generated__/schema-types.js';
import type { CustomerModels } from '../models/index.js';

/**
 * The customer domain's steps of a workflow, oldest first: the events it published (merges). It
 * consumes no events and keeps no other record by correlation id.
 */
export async function readCustomerTraceSteps(models: CustomerModels, correlationId: string): Promise<TraceStep[]> {
  const trail = await readEventTrail({ eventLog: createEventLogModel(models.customers.db) }, correlationId);
  return trailSteps(trail).map((step) => ({ ...step, domain: 'CUSTOMER' as const }));
}
