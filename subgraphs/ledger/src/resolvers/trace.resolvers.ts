import { identifier } from '@mesh/server-kit';
import type { TraceResolvers } from '../__generated__/resolvers-types.js';
import { requireEventsRead } from '../access.js';
import { mergeTraceSteps } from '../services/trace.service.js';

export const Trace: TraceResolvers = {
  __resolveReference: (reference) => ({ ...reference, correlationId: identifier(String(reference.correlationId), 'correlationId') }),
  steps: async (trace, _args, { principal, ledger }) => {
    requireEventsRead(principal);
    const own = await ledger.traceSteps(trace.correlationId);
    return mergeTraceSteps([trace.inventorySteps, trace.orderSteps, trace.customerSteps, own]);
  },
};
