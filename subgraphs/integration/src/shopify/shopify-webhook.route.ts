import { signedWebhookRoute, type WebhookEdge, type WebhookRouteOptions } from '../services/signed-webhook-route.js';
import { header, parseLeniently } from '../services/webhook-http.js';
import { isShopifyTopic, orderIdOf } from './shopify-payloads.js';
import { isValidShopifySignature } from './shopify-signature.js';

const shopifyEdge: WebhookEdge = {
  verify: (req, body, secret) => isValidShopifySignature(body.raw, header(req, 'x-shopify-hmac-sha256'), secret),
  refusal: (req) => ({
    log: { shop: header(req, 'x-shopify-shop-domain') },
    message: 'refused a webhook with a missing or wrong signature',
    error: 'invalid signature',
  }),
  read(req, rawBody) {
    const webhookId = header(req, 'x-shopify-webhook-id');
    const topic = header(req, 'x-shopify-topic');
    const sender = header(req, 'x-shopify-shop-domain');
    if (!webhookId || !topic || !sender) return { missing: 'X-Shopify-Webhook-Id, X-Shopify-Topic and X-Shopify-Shop-Domain are required' };
    const externalOrder = isShopifyTopic(topic) ? orderIdOf(topic, parseLeniently(rawBody)) : undefined;
    return { system: 'shopify', webhookId, topic, sender, partitionKey: externalOrder ? `shopify:${sender}:${externalOrder}` : undefined };
  },
};

/**
 * POST /webhooks/shopify. Reads the raw body, verifies X-Shopify-Hmac-Sha256 over exactly those
 * bytes (401, recording nothing, when it is missing or wrong), requires X-Shopify-Webhook-Id,
 * X-Shopify-Topic and X-Shopify-Shop-Domain (400), records the message (receiveWebhook) and
 * answers 200 at once; the worker processes it afterwards, as Shopify expects.
 */
export function shopifyWebhookRoute(options: WebhookRouteOptions) {
  return signedWebhookRoute(shopifyEdge, options);
}
