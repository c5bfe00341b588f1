import { closeOnSignals, createLogger, readSubgraphConfig, startSubgraphService } from '@mesh/server-kit';
import { orderSubgraph } from './module.js';

const logger = createLogger('order-subgraph');
const service = await startSubgraphService(orderSubgraph, readSubgraphConfig('order', 4003), logger);
closeOnSignals(service, logger);
