import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@mesh/server-kit';
import type { IntegrationModels } from '../models/index.js';
import { receiveWebhook } from '../services/receive-webhook.service.js';
import { answer, header, parseLeniently, readRawBody } from '../services/webhook-http.js';
import { isShopifyTopic, orderIdOf } from './shopify-payloads.js';
import { isValidShopifySignature } from './shopify-signature.js';


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
    if (raw === null) return answer(res, 413, { error: 'body too large' });
    if (!isValidShopifySignature(raw, header(req, 'x-shopify-hmac-sha256'), options.secret)) {
      options.logger.warn({ shop: header(req, 'x-shopify-shop-domain') }, 'refused a webhook with a missing or wrong signature');
      return answer(res, 401, { error: 'invalid signature' });
    }
    const webhookId = header(req, 'x-shopify-webhook-id');
    const topic = header(req, 'x-shopify-topic');
    const sender = header(req, 'x-shopify-shop-domain');
    if (!webhookId || !topic || !sender) return answer(res, 400, { error: 'X-Shopify-Webhook-Id, X-Shopify-Topic and X-Shopify-Shop-Domain are required' });
    const rawBody = raw.toString('utf8');
    const externalOrder = isShopifyTopic(topic) ? orderIdOf(topic, parseLeniently(rawBody)) : undefined;
    const partitionKey = externalOrder ? `shopify:${sender}:${externalOrder}` : undefined;
    const outcome = await receiveWebhook(options.models, { system: 'shopify', webhookId, topic, sender, rawBody, partitionKey });
    if (outcome.kind === 'accepted') options.recorded();
    answer(res, 200, { status: outcome.kind, id: outcome.id });
  };
}
