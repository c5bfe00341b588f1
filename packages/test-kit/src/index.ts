export * from './principals.js';
export * from './subgraph-harness.js';
export * from './subgraph-test-bed.js';
export { startTestDatabase } from '@mesh/embedded-mongo';
export * from './db-commands.js';
export * from './lost-placement.js';
