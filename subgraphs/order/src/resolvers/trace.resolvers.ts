import { identifier } from '@mesh/server-kit';
import type { TraceResolvers } from '../__generated__/resolvers-types.js';
import { requireEventsRead } from '../services/order-access.js';

// The Trace entity is served by the ledger (Query.trace); this subgraph adds its own steps.
export const Trace: TraceResolvers = {
  __resolveReference: (reference) => ({ __typename: 'Trace' as const, correlationId: identifier(String(reference.correlationId), 'correlationId') }),
  orderSteps: (trace, _args, { principal, traceSteps }) => {
    requireEventsRead(principal);
    return traceSteps(trace.correlationId);
  },
};
