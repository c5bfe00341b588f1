/**
 * An OTLP/HTTP trace receiver for benchmarks: answers every `POST /v1/traces` (protobuf or JSON)
 * as a collector does, after reading the whole body, and counts the exports and bytes. It keeps
 * no spans (a run at 100 % sampling sends millions), so the traced gateway pays the whole export
 * (serialising, sending, waiting for the answer) and the bench pays little to receive it.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OtlpSink {
  /** The base URL to give OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly endpoint: string;
  /** Export requests and body bytes received so far. */
  counts(): { readonly exports: number; readonly bytes: number };
  close(): Promise<void>;
}

export async function startOtlpSink(): Promise<OtlpSink> {
  let exports = 0;
  let bytes = 0;
  const server = createServer((request, response) => {
    request.on('data', (chunk: Buffer) => (bytes += chunk.length));
    request.on('end', () => {
      if (request.method === 'POST' && request.url === '/v1/traces') {
        exports += 1;
        // An empty ExportTraceServiceResponse: full success in either encoding.
        const json = (request.headers['content-type'] ?? '').includes('json');
        response.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' }).end(json ? '{}' : '');
      } else {
        response.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts: () => ({ exports, bytes }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
