/**
 * `node --import @mesh/telemetry/register <service entry>`: starts tracing before the service's
 * modules load (so mongoose's driver is instrumented). Without an OTLP endpoint it loads nothing
 * more than the settings check: the SDK is imported only when tracing is on.
 */
import { readTelemetrySettings } from './telemetry-settings.js';

if (readTelemetrySettings().enabled) {
  const { startTracing } = await import('./start-tracing.js');
  startTracing();
}
