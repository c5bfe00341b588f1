import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace, type Span } from '@opentelemetry/api';
import type { EventEnvelope } from './envelope.js';

/**
 * W3C trace context (https://www.w3.org/TR/trace-context/) carried by an envelope, so that a
 * workflow's trace continues across the bus: the consumer's span is a child of the span in which
 * the event was created, however long it waited in an outbox or a stream.
 */
export interface EnvelopeTraceContext {
  readonly traceparent: string;
  readonly tracestate?: string;
}

const tracer = () => trace.getTracer('@mesh/events');

/**
 * The active trace context as an envelope field, or undefined when nothing is traced (no SDK
 * registered: the API's propagator writes nothing, so envelopes stay as they were).
 */
export function activeTraceContext(): EnvelopeTraceContext | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  const { traceparent, tracestate } = carrier;
  if (!traceparent) return undefined;
  return tracestate ? { traceparent, tracestate } : { traceparent };
}

/** Checks a received `traceContext` field; anything malformed is dropped, never an error. */
export function readTraceContext(value: unknown): EnvelopeTraceContext | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { traceparent, tracestate } = value as Record<string, unknown>;
  if (typeof traceparent !== 'string') return undefined;
  return typeof tracestate === 'string' ? { traceparent, tracestate } : { traceparent };
}

function envelopeContext(envelope: EventEnvelope) {
  const carrier = envelope.traceContext;
  return carrier ? propagation.extract(ROOT_CONTEXT, carrier) : ROOT_CONTEXT;
}

/** Attributes of the OpenTelemetry messaging conventions, plus the mesh's workflow ids (bounded per span, not per metric). */
function messagingAttributes(envelope: EventEnvelope, operation: 'publish' | 'process') {
  return {
    'messaging.system': 'nats',
    'messaging.operation.type': operation,
    'messaging.destination.name': envelope.type,
    'messaging.message.id': envelope.id,
    'mesh.correlation_id': envelope.correlationId,
  };
}

/**
 * Runs `work` in a span; records a throw on the span and rethrows it. A handler that found its
 * fact being handled elsewhere (EventInProgressError, named here to keep this module free of the
 * bus) did not fail: its span says so without an error status.
 */
async function inSpan<T>(span: Span, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if ((error as Error).name === 'EventInProgressError') {
      span.setAttribute('mesh.in_progress_elsewhere', true);
      throw error;
    }
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
  }
}

/** A PRODUCER span for handing `envelope` to the broker, a child of the span that created the event. */
export function tracePublish<T>(envelope: EventEnvelope, work: () => Promise<T>): Promise<T> {
  const parent = envelopeContext(envelope);
  return tracer().startActiveSpan(
    `publish ${envelope.type}`,
    { kind: SpanKind.PRODUCER, attributes: messagingAttributes(envelope, 'publish') },
    parent,
    (span) => inSpan(span, work),
  );
}

/**
 * A CONSUMER span for one delivery of `envelope` to `consumer`, a child of the span that created
 * the event; what the handler writes and publishes is traced inside it (its events carry it on).
 */
export function traceDelivery<T>(envelope: EventEnvelope, consumer: string, deliveryCount: number, work: () => Promise<T>): Promise<T> {
  const parent = envelopeContext(envelope);
  const attributes = {
    ...messagingAttributes(envelope, 'process'),
    'messaging.consumer.group.name': consumer,
    'messaging.message.delivery_count': deliveryCount,
  };
  return tracer().startActiveSpan(`process ${envelope.type}`, { kind: SpanKind.CONSUMER, attributes }, parent, (span) => inSpan(span, work));
}
