import { closeOnSignals, createLogger } from '@mesh/server-kit';
import { loadGatewayConfig, startGateway } from './module.js';

const logger = createLogger('gateway');
const service = await startGateway(loadGatewayConfig(), logger);
closeOnSignals(service, logger);
