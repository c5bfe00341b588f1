import { DELIVERY_HEADERS, verifyDeliverySignature } from '../outbound/delivery-signature.js';
import { signedWebhookRoute, type WebhookEdge, type WebhookRouteOptions } from '../services/signed-webhook-route.js';
import { header, parseLeniently } from '../services/webhook-http.js';

/** Names the carrier or WMS that sends (and, with the event id, de-duplicates) a milestone. */
export const SOURCE_HEADER = 'x-mesh-source';

const fulfilmentEdge: WebhookEdge = {
  verify: (req, body, secret) =>
    verifyDeliverySignature({
      body: body.text,
      timestamp: header(req, DELIVERY_HEADERS.timestamp),
      signature: header(req, DELIVERY_HEADERS.signature),
      secret,
    }),
  refusal: (req) => ({
    log: { source: header(req, SOURCE_HEADER) },
    message: 'refused a fulfilment milestone with a wrong signature or timestamp',
    error: 'invalid signature or timestamp',
  }),
  read(req, rawBody) {
    const webhookId = header(req, DELIVERY_HEADERS.eventId);
    const sender = header(req, SOURCE_HEADER);
    if (!webhookId || !sender) return { missing: 'X-Mesh-Event-Id and X-Mesh-Source are required' };
    const body = parseLeniently(rawBody);
    const milestone =
      typeof body === 'object' && body !== null && 'milestone' in body && typeof body.milestone === 'string'
        ? body.milestone.slice(0, 32).toLowerCase()
        : 'unknown';
    const orderId = typeof body === 'object' && body !== null && 'orderId' in body && typeof body.orderId === 'string' ? body.orderId : undefined;
    return { system: 'fulfilment', sender, webhookId, topic: `fulfilment/${milestone}`, partitionKey: orderId ? `order:${orderId}` : undefined };
  },
};

/**
 * POST /webhooks/fulfilment: a carrier's or WMS's milestone (shipped, delivered, ready for pickup,
 * picked up), signed like the mesh's own deliveries (X-Mesh-Timestamp, X-Mesh-Signature over
 * "<timestamp>.<body>", refused outside 5 minutes): 401 and nothing recorded when the signature or
 * timestamp is wrong, 400 without X-Mesh-Event-Id and X-Mesh-Source, else recorded in the inbox
 * (de-duplicated by source and event id) and answered 200 at once; the worker applies it.
 */
export function fulfilmentWebhookRoute(options: WebhookRouteOptions) {
  return signedWebhookRoute(fulfilmentEdge, options);
}
