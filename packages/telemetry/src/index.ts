export * from './flush-traces.js';
export * from './telemetry-settings.js';
// Not startTracing: importing it loads the OpenTelemetry SDK and its instrumentations (about 1 s of
// CPU at each service's start), which only `./register` needs, and only when tracing is on.
