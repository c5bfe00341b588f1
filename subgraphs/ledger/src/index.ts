import { closeOnSignals, createLogger, readSubgraphConfig, startSubgraphService } from '@mesh/server-kit';
import { ledgerSubgraph } from './module.js';

const logger = createLogger('ledger-subgraph');
const service = await startSubgraphService(ledgerSubgraph, readSubgraphConfig('ledger', 4005), logger);
closeOnSignals(service, logger);
