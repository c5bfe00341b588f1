import { closeOnSignals, createLogger, readSubgraphConfig, startSubgraphService } from '@mesh/server-kit';
import { productSubgraph } from './module.js';

const logger = createLogger('product-subgraph');
const service = await startSubgraphService(productSubgraph, readSubgraphConfig('product', 4001), logger);
closeOnSignals(service, logger);
