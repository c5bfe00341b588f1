// The process entry a real subgraph has (`npm start`); the walkthrough test starts the module in-process instead.
import { closeOnSignals, createLogger, readSubgraphConfig, startSubgraphService } from '@mesh/server-kit';
import { storeHoursSubgraph } from './module.js';

const logger = createLogger('hours-subgraph');
const service = await startSubgraphService(storeHoursSubgraph, readSubgraphConfig('hours', 4010), logger);
closeOnSignals(service, logger);
