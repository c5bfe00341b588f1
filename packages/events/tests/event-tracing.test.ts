import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { trace, type SpanContext } from '@opentelemetry/api';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { createEnvelope, createMemoryBus, parseEnvelope } from '../src/index.js';

// The trace context an envelope carries across the bus: absent while nothing traces, the W3C
// context of the creating span once an SDK is registered, and the parent of each delivery's span.
const confirmed = (orderId: string) =>
  createEnvelope(
    'order.order-confirmed',
    { orderId, reservationId: `res_${orderId}` },
    { correlationId: `req_${orderId}`, idempotencyKey: `order:${orderId}:confirmed` },
  );

describe('trace context in envelopes', () => {
  test('without an OpenTelemetry SDK an envelope carries no trace context', () => {
    assert.equal(confirmed('ord_untraced').traceContext, undefined);
  });

  test('a malformed traceContext is dropped when an envelope is read, never an error', () => {
    const envelope = { ...confirmed('ord_malformed'), traceContext: { traceparent: 42 } };
    assert.equal(parseEnvelope(JSON.parse(JSON.stringify(envelope))).traceContext, undefined);
  });

  test('with an SDK, an envelope created in a span carries its W3C context and each delivery is a CONSUMER span under it', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    provider.register();
    try {
      const bus = createMemoryBus();
      let seen: SpanContext | undefined;
      const handled = new Promise<void>((resolve) => {
        void bus.subscribe('order.order-confirmed', 'traced', () => {
          seen = trace.getActiveSpan()?.spanContext();
          resolve();
        });
      });
      const request = trace.getTracer('test').startSpan('request');
      const envelope = await trace.getTracer('test').startActiveSpan('request-work', async (span) => {
        const created = confirmed('ord_traced');
        await bus.publish(created);
        span.end();
        return { created, span: span.spanContext() };
      });
      request.end();
      assert.equal(envelope.created.traceContext?.traceparent, `00-${envelope.span.traceId}-${envelope.span.spanId}-01`);
      await handled;
      await bus.close();
      assert.equal(seen?.traceId, envelope.span.traceId, "the handler runs inside the creating span's trace");
      const consumer = exporter.getFinishedSpans().find((span) => span.name === 'process order.order-confirmed');
      assert.ok(consumer, 'a delivery span was recorded');
      assert.equal(consumer.parentSpanContext?.spanId, envelope.span.spanId);
      assert.equal(consumer.attributes['messaging.consumer.group.name'], 'traced');
      assert.equal(consumer.attributes['mesh.correlation_id'], 'req_ord_traced');
    } finally {
      await provider.shutdown();
      trace.disable();
    }
  });
});
