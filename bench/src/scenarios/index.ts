import type { Scenario } from '../lib/scenario.js';
import { gatewayEngine } from './1-gateway-engine.js';
import { federationOverhead } from './2-federation-overhead.js';
import { nPlusOne } from './3-n-plus-one.js';
import { queryPlanCache } from './4-query-plan-cache.js';
import { stockContention } from './5-stock-contention.js';
import { subscriptionFanOut } from './6-subscription-fan-out.js';
import { workflowLatency } from './7-workflow-latency.js';
import { embeddedDatabase } from './8-embedded-database.js';
import { flashSale } from './9-flash-sale.js';
import { historyGrowth } from './10-history-growth.js';
import { replicas } from './11-replicas.js';

/** In run order: read-only scenarios first, then the ones that place orders. */
export const SCENARIOS: readonly Scenario[] = [
  gatewayEngine,
  federationOverhead,
  nPlusOne,
  queryPlanCache,
  embeddedDatabase,
  subscriptionFanOut,
  stockContention,
  workflowLatency,
  flashSale,
  historyGrowth,
  replicas,
];
