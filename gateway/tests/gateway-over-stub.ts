import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type RunningHttpService } from '@mesh/server-kit';
import { loadGatewayConfig, startGateway } from '../src/module.js';

/**
 * Starts `stub` on a free port and a gateway whose five subgraph URLs all point at it, so a test
 * sees exactly what the gateway sends a subgraph and how it treats the answer (or its absence).
 */
export async function startGatewayOverStub(stub: Server, env: Record<string, string> = {}): Promise<RunningHttpService> {
  await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(stub.address() as AddressInfo).port}/graphql`;
  const config = loadGatewayConfig({
    NODE_ENV: 'test',
    GATEWAY_PORT: '0',
    ...env,
    PRODUCT_URL: url,
    INVENTORY_URL: url,
    ORDER_URL: url,
    CUSTOMER_URL: url,
    LEDGER_URL: url,
  });
  return startGateway(config, createLogger('gateway', { LOG_LEVEL: 'silent' }));
}
