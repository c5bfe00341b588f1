import { fileURLToPath, pathToFileURL } from 'node:url';
import { startOurGatewayProcess } from './our-gateway-process.js';
import type { RunningPeer } from './peer.js';

/** How every mesh service starts: tracing is set up before its modules load (packages/telemetry). */
const TELEMETRY_REGISTER = pathToFileURL(fileURLToPath(new URL('../../../packages/telemetry/dist/register.js', import.meta.url))).href;

export interface TracedStartOptions {
  readonly id: string;
  readonly workDir: string;
  /** Our supergraph routed to the running subgraphs: the gateway routes by its join__graph URLs. */
  readonly supergraphPath: string;
  readonly nodeEnv: string;
  /** The OTLP/HTTP receiver spans are exported to (OTEL_EXPORTER_OTLP_ENDPOINT). */
  readonly otlpEndpoint: string;
  /** The share of traces sampled, 0 < ratio <= 1 (OTEL_TRACES_SAMPLER parentbased_traceidratio). */
  readonly samplingRatio: number;
}

/**
 * Our gateway again, as its own process started as the mesh starts it (with the telemetry
 * register), with tracing on: spans sampled at `samplingRatio` of new traces and exported over
 * OTLP/HTTP (protobuf, the SDK's default) to a real receiver. The mesh's own gateway runs the same
 * build with no endpoint, so tracing is off there; scenario 1 measures them in the same rounds.
 */
export function startOursTraced(options: TracedStartOptions): Promise<RunningPeer> {
  return startOurGatewayProcess({
    ...options,
    nodeArgs: ['--import', TELEMETRY_REGISTER],
    env: {
      OTEL_SERVICE_NAME: 'gateway',
      OTEL_EXPORTER_OTLP_ENDPOINT: options.otlpEndpoint,
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: String(options.samplingRatio),
    },
    version: `this repo, tracing ${Math.round(options.samplingRatio * 100)} %`,
  });
}
