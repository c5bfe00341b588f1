import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, propagation, trace } from '@opentelemetry/api';
import { startTracing } from '../src/start-tracing.js';

// The fetch instrumentation writes `traceparent` for a fetch made inside a span, and leaves alone
// a fetch whose caller already wrote one (the gateway's subgraph fetches): no second span, the
// caller's context arrives unchanged. Nothing listens on the endpoint: exports fail quietly.
process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = 'http://127.0.0.1:9';
process.env['OTEL_TRACES_SAMPLER'] = 'always_on';

let server: Server | undefined;
let url = '';
const received: (string | string[] | undefined)[] = [];

before(async () => {
  startTracing();
  server = createServer((request, response) => {
    received.push(request.headers['traceparent']);
    response.end('ok');
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
after(() => new Promise<void>((resolve) => server?.close(() => resolve())));

/** The span id a W3C traceparent names. */
const parentIdOf = (traceparent: unknown) => String(traceparent).split('-')[2];

test('a fetch inside a span gets a client span of its own, whose context it carries', async () => {
  const span = trace.getTracer('test').startSpan('caller');
  await context.with(trace.setSpan(context.active(), span), () => fetch(url).then((answer) => answer.text()));
  span.end();
  const traceparent = received.at(-1);
  assert.equal(typeof traceparent, 'string');
  assert.ok(String(traceparent).includes(span.spanContext().traceId));
  assert.notEqual(parentIdOf(traceparent), span.spanContext().spanId, 'the client span is the parent, not the caller');
});

test('a fetch that already carries a traceparent arrives with it unchanged and alone', async () => {
  const span = trace.getTracer('test').startSpan('caller');
  const headers: Record<string, string> = {};
  await context.with(trace.setSpan(context.active(), span), async () => {
    propagation.inject(context.active(), headers);
    await fetch(url, { headers }).then((answer) => answer.text());
  });
  span.end();
  assert.equal(received.at(-1), headers['traceparent']);
  assert.equal(parentIdOf(received.at(-1)), span.spanContext().spanId);
});
