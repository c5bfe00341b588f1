export * from './principals.js';
export * from './subgraph-harness.js';
export * from './test-database.js';
