import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, TraceFlags, context, propagation, trace } from '@opentelemetry/api';
import { startTracing } from '../src/start-tracing.js';

// Under a parent that was not sampled, tracers hand back the parent's context instead of a new
// span (see unsampled-children.ts); under a sampled parent they make real child spans. Nothing
// listens on the endpoint: exports fail quietly.
process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = 'http://127.0.0.1:9';
process.env['OTEL_TRACES_SAMPLER'] = 'parentbased_always_on';
startTracing();

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT_ID = 'b7ad6b7169203331';
const remoteParent = (flags: string) => propagation.extract(ROOT_CONTEXT, { traceparent: `00-${TRACE_ID}-${PARENT_ID}-${flags}` });

test('under an unsampled parent a span is the parent context, not recording, and propagates not sampled', () => {
  const tracer = trace.getTracer('test');
  const span = tracer.startSpan('child', {}, remoteParent('00'));
  assert.equal(span.isRecording(), false);
  assert.equal(span.spanContext().spanId, PARENT_ID);
  const headers: Record<string, string> = {};
  context.with(trace.setSpan(ROOT_CONTEXT, span), () => propagation.inject(context.active(), headers));
  assert.equal(headers['traceparent'], `00-${TRACE_ID}-${PARENT_ID}-00`);
});

test('startActiveSpan under an unsampled parent runs the callback in that context, with its result', async () => {
  const tracer = trace.getTracer('test');
  const result = await context.with(remoteParent('00'), () =>
    tracer.startActiveSpan('child', async (span) => {
      assert.equal(span.isRecording(), false);
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(trace.getActiveSpan()?.spanContext().traceId, TRACE_ID);
      span.end();
      return 42;
    }),
  );
  assert.equal(result, 42);
  const explicit = tracer.startActiveSpan('child', {}, remoteParent('00'), (span) => trace.getActiveSpan()?.spanContext().spanId === span.spanContext().spanId);
  assert.equal(explicit, true);
});

test('under a sampled parent a span is a new recording child', () => {
  const tracer = trace.getTracer('test');
  const span = tracer.startSpan('child', {}, remoteParent('01'));
  assert.equal(span.isRecording(), true);
  assert.equal(span.spanContext().traceId, TRACE_ID);
  assert.notEqual(span.spanContext().spanId, PARENT_ID);
  assert.equal(span.spanContext().traceFlags & TraceFlags.SAMPLED, TraceFlags.SAMPLED);
  span.end();
});

test('a root span is still decided by the sampler', () => {
  const span = trace.getTracer('test').startSpan('root', { root: true }, remoteParent('00'));
  assert.equal(span.isRecording(), true);
  span.end();
});
