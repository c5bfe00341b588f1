import { can, forbidden, identifier, unauthenticated, type Principal } from '@mesh/server-kit';
import type { TraceResolvers } from '../__generated__/resolvers-types.js';

/** A workflow's trace needs `events:read` (analysts, admins); every contributing field checks it itself. */
function requireEventsRead(principal: Principal): void {
  if (can(principal, 'events:read')) return;
  if (principal.role === 'anonymous') throw unauthenticated('Sign in to read the event trail');
  throw forbidden('Your role may not read the event trail');
}

// The Trace entity is served by the ledger (Query.trace); this subgraph adds its own steps.
export const Trace: TraceResolvers = {
  __resolveReference: (reference) => ({ __typename: 'Trace' as const, correlationId: identifier(String(reference.correlationId), 'correlationId') }),
  customerSteps: (trace, _args, { principal, traceSteps }) => {
    requireEventsRead(principal);
    return traceSteps(trace.correlationId);
  },
};
