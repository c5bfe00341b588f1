import { createRequire } from 'node:module';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { createMongoDbInstrumentation } from './mongodb-instrumentation.js';
import { readTelemetrySettings, type TelemetrySettings } from './telemetry-settings.js';
import { samplerFollowsParent, skipWorkUnderUnsampledParents } from './unsampled-children.js';

/** Paths whose requests are probes and scrapes, not business: never traced. */
const UNTRACED_PATHS: ReadonlySet<string> = new Set(['/health', '/ready', '/metrics']);

/**
 * Whether an undici request already carries W3C trace context: its caller propagated the context
 * of a span of its own (the gateway's subgraph fetches carry @apollo/gateway's `gateway.fetch`),
 * so a client span here would only repeat it.
 */
function carriesTraceContext(headers: unknown): boolean {
  if (Array.isArray(headers)) {
    for (let index = 0; index < headers.length; index += 2) if (String(headers[index]).toLowerCase() === 'traceparent') return true;
    return false;
  }
  return typeof headers === 'string' && /^traceparent:/im.test(headers);
}

/** The path of a request target without its query, cheaply: the hooks run for every request and fetch. */
function pathOf(target: string | undefined): string {
  if (!target) return '/';
  const query = target.indexOf('?');
  return query < 0 ? target : target.slice(0, query);
}

/**
 * Starts the OpenTelemetry SDK when the settings say so (see readTelemetrySettings), with the
 * instrumentations of every hop a mesh service makes: incoming HTTP (GraphQL requests, W3C
 * `traceparent` read), outgoing fetch (the gateway's subgraph fetches, `traceparent` written) and
 * the MongoDB driver under mongoose. Events carry their context in the envelope (@mesh/events).
 * Must run before mongoose is loaded: services start it with `node --import @mesh/telemetry/register`.
 * Returns the settings it applied; calling it twice starts nothing more.
 */
export function startTracing(env: Readonly<Record<string, string | undefined>> = process.env): TelemetrySettings {
  const settings = readTelemetrySettings(env);
  if (!settings.enabled || started) return settings;
  started = true;
  const sdk = new NodeSDK({
    // Traces only. Without these the SDK also starts OTLP metrics (the HTTP and fetch
    // instrumentations then record a histogram for every request and fetch, sampled or not) and
    // OTLP logs, which the collector has no pipeline for: /metrics is the services' own.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has(pathOf(request.url)),
        // Outgoing node:http requests (readiness polls, the exporter's own) are not part of any
        // workflow; subgraph fetches go through undici, traced below.
        disableOutgoingRequestInstrumentation: true,
      }),
      new UndiciInstrumentation({
        ignoreRequestHook: (request) => UNTRACED_PATHS.has(pathOf(request.path)) || carriesTraceContext(request.headers),
      }),
      createMongoDbInstrumentation(),
    ],
  });
  sdk.start();
  if (samplerFollowsParent(env)) skipWorkUnderUnsampledParents();
  // Services import node:http as an ES module, which the CommonJS hook does not see: requiring it
  // once here lets the HTTP instrumentation patch the server prototype every server shares.
  createRequire(import.meta.url)('node:http');
  return settings;
}

let started = false;
