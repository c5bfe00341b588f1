import { closeOnSignals, createLogger, readSubgraphConfig, startSubgraphService } from '@mesh/server-kit';
import { inventorySubgraph } from './module.js';

const logger = createLogger('inventory-subgraph');
const service = await startSubgraphService(inventorySubgraph, readSubgraphConfig('inventory', 4002), logger);
closeOnSignals(service, logger);
