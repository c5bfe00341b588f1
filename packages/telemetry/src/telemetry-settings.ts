/**
 * Whether this process traces, read from the standard OpenTelemetry variables once at start:
 * - `OTEL_SDK_DISABLED=true` turns tracing off whatever else is set;
 * - otherwise tracing is on when `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`
 *   names a receiver (the collector's OTLP/HTTP port, for example `http://collector:4318`).
 * With tracing off no SDK is loaded and the OpenTelemetry API stays the no-op it is by default,
 * so an unconfigured service pays nothing. The SDK reads the rest itself: `OTEL_SERVICE_NAME`,
 * `OTEL_TRACES_SAMPLER` (default `parentbased_always_on`) with `OTEL_TRACES_SAMPLER_ARG` (the
 * ratio of `parentbased_traceidratio`), `OTEL_EXPORTER_OTLP_PROTOCOL` (default `http/protobuf`),
 * `OTEL_BSP_SCHEDULE_DELAY`.
 */
/** Variables the OpenTelemetry SDK itself reads once tracing is on (the deployment files set some of them). */
export const OTEL_SDK_VARIABLES: readonly string[] = Object.freeze([
  'OTEL_SERVICE_NAME',
  'OTEL_RESOURCE_ATTRIBUTES',
  'OTEL_TRACES_SAMPLER',
  'OTEL_TRACES_SAMPLER_ARG',
  'OTEL_EXPORTER_OTLP_PROTOCOL',
  'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
  'OTEL_BSP_SCHEDULE_DELAY',
  'OTEL_BSP_MAX_QUEUE_SIZE',
]);

export interface TelemetrySettings {
  readonly enabled: boolean;
  /** Where spans go, for the start-up log line; undefined when tracing is off. */
  readonly endpoint: string | undefined;
}

export function readTelemetrySettings(env: Readonly<Record<string, string | undefined>> = process.env): TelemetrySettings {
  const disabled = (env['OTEL_SDK_DISABLED'] ?? '').trim().toLowerCase() === 'true';
  const endpoint = nonEmpty(env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']) ?? nonEmpty(env['OTEL_EXPORTER_OTLP_ENDPOINT']);
  const tracesExporter = (env['OTEL_TRACES_EXPORTER'] ?? 'otlp').trim().toLowerCase();
  const enabled = !disabled && endpoint !== undefined && tracesExporter !== 'none';
  return Object.freeze({ enabled, endpoint: enabled ? endpoint : undefined });
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
