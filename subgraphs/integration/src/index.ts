import { closeOnSignals, createLogger, readSubgraphConfig, startSubgraphService } from '@mesh/server-kit';
import { integrationSubgraph } from './module.js';

const logger = createLogger('integration-subgraph');
const service = await startSubgraphService(integrationSubgraph, readSubgraphConfig('integration', 4006), logger);
closeOnSignals(service, logger);
