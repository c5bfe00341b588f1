export * from './principals.js';
export * from './subgraph-harness.js';
export { startTestDatabase } from '@mesh/embedded-mongo';
export * from './db-commands.js';
