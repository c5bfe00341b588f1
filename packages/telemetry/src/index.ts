export * from './flush-traces.js';
export * from './start-tracing.js';
export * from './telemetry-settings.js';
