import { LIVE_KPIS_ID } from '@mesh/server-kit';
import type { LiveKpisResolvers } from '../__generated__/resolvers-types.js';
import { requireEventsRead } from '../access.js';

// Served here (Query.liveKpis); inventory and order add their own fields to the same entity.
export const LiveKpis: LiveKpisResolvers = {
  __resolveReference: () => ({ id: LIVE_KPIS_ID }),
  orderPlacedToLedger: (_kpis, _args, { principal, liveKpis }) => {
    requireEventsRead(principal);
    return liveKpis.orderPlacedToLedger();
  },
  ledgerConsumerBacklog: (_kpis, _args, { principal, liveKpis }) => {
    requireEventsRead(principal);
    return liveKpis.consumerBacklog();
  },
};
