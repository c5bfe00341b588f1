export * from './free-port.js';
export * from './start-mesh.js';
export * from './nats-server.js';
export * from './seed-history.js';
export { GatewayClient, GatewayOperationError } from './gateway-client.js';
export { START_HISTORY_ORDERS, SMALL_HISTORY_ORDERS, type HistoryOption } from './history-wiring.js';
