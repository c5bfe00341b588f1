import { closeOnSignals, createLogger, readSubgraphConfig, startSubgraphService } from '@mesh/server-kit';
import { customerSubgraph } from './module.js';

const logger = createLogger('customer-subgraph');
const service = await startSubgraphService(customerSubgraph, readSubgraphConfig('customer', 4004), logger);
closeOnSignals(service, logger);
