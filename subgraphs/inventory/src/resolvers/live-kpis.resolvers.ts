import { LIVE_KPIS_ID } from '@mesh/server-kit';
import type { LiveKpisResolvers } from '../__generated__/resolvers-types.js';
import { requireCapability } from '../access.js';

// The LiveKpis entity is served by the ledger (Query.liveKpis); this subgraph adds inventory's KPIs.
export const LiveKpis: LiveKpisResolvers = {
  __resolveReference: () => ({ id: LIVE_KPIS_ID }),
  stockMovementToAvailability: (_kpis, _args, { principal, liveKpis }) => {
    requireCapability(principal, 'events:read');
    return liveKpis.stockMovementToAvailability();
  },
  inventoryConsumerBacklog: (_kpis, _args, { principal, liveKpis }) => {
    requireCapability(principal, 'events:read');
    return liveKpis.consumerBacklog();
  },
};
