import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@mesh/server-kit';
import type { IntegrationModels } from '../models/index.js';
import { receiveWebhook } from '../services/receive-webhook.service.js';
import { isValidShopifySignature } from './shopify-signature.js';

/** Largest webhook body accepted (Shopify order payloads are a few tens of KB). */
const MAX_BODY_BYTES = 1024 * 1024;

export interface ShopifyWebhookRouteOptions {
  readonly models: IntegrationModels;
  readonly secret: string;
  readonly logger: Logger;
  /** Called after a new message is recorded: wakes the inbound worker. */
  readonly recorded: () => void;
}

/**
 * POST /webhooks/shopify. Reads the raw body, verifies X-Shopify-Hmac-Sha256 over exactly those
 * bytes (401, recording nothing, when it is missing or wrong), requires X-Shopify-Webhook-Id,
 * X-Shopify-Topic and X-Shopify-Shop-Domain (400), records the message (receiveWebhook) and
 * answers 200 at once; the worker processes it afterwards, as Shopify expects.
 */
export function shopifyWebhookRoute(options: ShopifyWebhookRouteOptions) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') return answer(res, 405, { error: 'POST only' });
    const raw = await readRawBody(req);
    if (raw === null) return answer(res, 413, { error: `body exceeds ${MAX_BODY_BYTES} bytes` });
    if (!isValidShopifySignature(raw, header(req, 'x-shopify-hmac-sha256'), options.secret)) {
      options.logger.warn({ shop: header(req, 'x-shopify-shop-domain') }, 'refused a webhook with a missing or wrong signature');
      return answer(res, 401, { error: 'invalid signature' });
    }
    const webhookId = header(req, 'x-shopify-webhook-id');
    const topic = header(req, 'x-shopify-topic');
    const shopDomain = header(req, 'x-shopify-shop-domain');
    if (!webhookId || !topic || !shopDomain) return answer(res, 400, { error: 'X-Shopify-Webhook-Id, X-Shopify-Topic and X-Shopify-Shop-Domain are required' });
    const outcome = await receiveWebhook(options.models, { webhookId, topic, shopDomain, rawBody: raw.toString('utf8') });
    if (outcome.kind === 'accepted') options.recorded();
    answer(res, 200, { status: outcome.kind, id: outcome.id });
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first && first.length <= 256 ? first : undefined;
}

/** The body's bytes, or null when it is larger than allowed. */
function readRawBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
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

function answer(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
