import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@mesh/server-kit';
import type { IntegrationModels } from '../models/index.js';
import { DELIVERY_HEADERS, verifyDeliverySignature } from '../outbound/delivery-signature.js';
import { receiveWebhook } from '../services/receive-webhook.service.js';
import { answer, header, parseLeniently, readRawBody } from '../services/webhook-http.js';

/** Names the carrier or WMS that sends (and, with the event id, de-duplicates) a milestone. */
export const SOURCE_HEADER = 'x-mesh-source';

export interface FulfilmentWebhookRouteOptions {
  readonly models: IntegrationModels;
  readonly secret: string;
  readonly logger: Logger;
  readonly recorded: () => void;
}

/**
 * POST /webhooks/fulfilment: a carrier's or WMS's milestone (shipped, delivered, ready for pickup,
 * picked up), signed like the mesh's own deliveries (X-Mesh-Timestamp, X-Mesh-Signature over
 * "<timestamp>.<body>", refused outside 5 minutes): 401 and nothing recorded when the signature or
 * timestamp is wrong, 400 without X-Mesh-Event-Id and X-Mesh-Source, else recorded in the inbox
 * (de-duplicated by source and event id) and answered 200 at once; the worker applies it.
 */
export function fulfilmentWebhookRoute(options: FulfilmentWebhookRouteOptions) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') return answer(res, 405, { error: 'POST only' });
    const raw = await readRawBody(req);
    if (raw === null) return answer(res, 413, { error: 'body too large' });
    const rawBody = raw.toString('utf8');
    const signed = verifyDeliverySignature({ body: rawBody, timestamp: header(req, DELIVERY_HEADERS.timestamp), signature: header(req, DELIVERY_HEADERS.signature), secret: options.secret });
    if (!signed) {
      options.logger.warn({ source: header(req, SOURCE_HEADER) }, 'refused a fulfilment milestone with a wrong signature or timestamp');
      return answer(res, 401, { error: 'invalid signature or timestamp' });
    }
    const webhookId = header(req, DELIVERY_HEADERS.eventId);
    const sender = header(req, SOURCE_HEADER);
    if (!webhookId || !sender) return answer(res, 400, { error: 'X-Mesh-Event-Id and X-Mesh-Source are required' });
    const body = parseLeniently(rawBody);
    const milestone = typeof body === 'object' && body !== null && 'milestone' in body && typeof body.milestone === 'string' ? body.milestone.slice(0, 32).toLowerCase() : 'unknown';
    const orderId = typeof body === 'object' && body !== null && 'orderId' in body && typeof body.orderId === 'string' ? body.orderId : undefined;
    const outcome = await receiveWebhook(options.models, {
      system: 'fulfilment',
      sender,
      webhookId,
      topic: `fulfilment/${milestone}`,
      rawBody,
      partitionKey: orderId ? `order:${orderId}` : undefined,
    });
    if (outcome.kind === 'accepted') options.recorded();
    answer(res, 200, { status: outcome.kind, id: outcome.id });
  };
}
