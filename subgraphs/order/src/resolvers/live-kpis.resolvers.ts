import { LIVE_KPIS_ID } from '@mesh/server-kit';
import type { LiveKpisResolvers } from '../__generated__/resolvers-types.js';
import { requireEventsRead } from '../access.js';

// The LiveKpis entity is served by the ledger (Query.liveKpis); this subgraph adds the order domain's KPIs.
export const LiveKpis: LiveKpisResolvers = {
  __resolveReference: () => ({ id: LIVE_KPIS_ID }),
  oldestPendingOrderAgeSeconds: (_kpis, _args, { principal, liveKpis }) => {
    requireEventsRead(principal);
    return liveKpis().oldestPendingOrderAgeSeconds();
  },
  orderConsumerBacklog: (_kpis, _args, { principal, liveKpis }) => {
    requireEventsRead(principal);
    return liveKpis().consumerBacklog();
  },
};
