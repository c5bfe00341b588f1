import type { IncomingMessage, ServerResponse } from 'node:http';

/** Largest webhook body accepted (a Shopify order payload is a few tens of KB). */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

/** One header's value, or undefined when absent or longer than 256 characters. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first && first.length <= 256 ? first : undefined;
}

/** The body's bytes, or null when it is larger than MAX_WEBHOOK_BODY_BYTES. */
export function readRawBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_WEBHOOK_BODY_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The body as JSON, or undefined when it is not JSON (processing makes that an exception). */
export function parseLeniently(rawBody: string): unknown {
  try {
    return JSON.parse(rawBody);
  } catch {
    return undefined;
  }
}

export function answer(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
