import { traceStepsResolvers } from '@mesh/server-kit';
import type { TraceResolvers } from '../__generated__/resolvers-types.js';

// The Trace entity is served by the ledger (Query.trace); this subgraph adds its own steps.
export const Trace: TraceResolvers = traceStepsResolvers('customerSteps');
