import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readTelemetrySettings } from '../src/telemetry-settings.js';

test('tracing is off when no OTLP endpoint is configured', () => {
  assert.deepEqual(readTelemetrySettings({}), { enabled: false, endpoint: undefined });
  assert.equal(readTelemetrySettings({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }).enabled, false);
});

test('an OTLP endpoint (general or for traces) turns tracing on', () => {
  assert.deepEqual(readTelemetrySettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), { enabled: true, endpoint: 'http://collector:4318' });
  assert.equal(readTelemetrySettings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }).endpoint, 'http://collector:4318/v1/traces');
});

test('OTEL_SDK_DISABLED and OTEL_TRACES_EXPORTER=none switch tracing off even with an endpoint', () => {
  assert.equal(readTelemetrySettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }).enabled, false);
  assert.equal(readTelemetrySettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' }).enabled, false);
});
