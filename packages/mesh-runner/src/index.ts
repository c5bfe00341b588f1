export * from './free-port.js';
export * from './start-mesh.js';
export * from './nats-server.js';
