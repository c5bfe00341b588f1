import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@mesh/server-kit';
import type { IntegrationModels } from '../models/index.js';
import { receiveWebhook, type VerifiedWebhook } from './receive-webhook.service.js';
import { answer, readRawBody } from './webhook-http.js';

export interface WebhookRouteOptions {
  readonly models: IntegrationModels;
  /** The shared secret the sender signs with. */
  readonly secret: string;
  readonly logger: Logger;
  /** Called after a new message is recorded: wakes the inbound worker. */
  readonly recorded: () => void;
}

/** One sending system's webhooks as the HTTP edge sees them: how they are signed and named. */
export interface WebhookEdge {
  /** True when the request's signature headers sign exactly this body with `secret`. */
  verify(req: IncomingMessage, body: { readonly raw: Buffer; readonly text: string }, secret: string): boolean;
  /** What is logged (at warn) and answered 401 when `verify` refuses. */
  refusal(req: IncomingMessage): { readonly log: Readonly<Record<string, unknown>>; readonly message: string; readonly error: string };
  /** The message to record, or the 400 answer's error when a header it needs is missing. */
  read(req: IncomingMessage, rawBody: string): Omit<VerifiedWebhook, 'rawBody'> | { readonly missing: string };
}

/**
 * A signed webhook endpoint: POST only (405), a body of at most MAX_WEBHOOK_BODY_BYTES (413), the
 * signature checked over exactly the bytes received (401, recording nothing), the headers the edge
 * needs (400); then the message is recorded in the inbox (receiveWebhook) and answered 200 at once
 * with its status (accepted or duplicate): the inbound worker processes it afterwards.
 */
export function signedWebhookRoute(edge: WebhookEdge, options: WebhookRouteOptions) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') return answer(res, 405, { error: 'POST only' });
    const raw = await readRawBody(req);
    if (raw === null) return answer(res, 413, { error: 'body too large' });
    const rawBody = raw.toString('utf8');
    if (!edge.verify(req, { raw, text: rawBody }, options.secret)) {
      const refusal = edge.refusal(req);
      options.logger.warn(refusal.log, refusal.message);
      return answer(res, 401, { error: refusal.error });
    }
    const webhook = edge.read(req, rawBody);
    if ('missing' in webhook) return answer(res, 400, { error: webhook.missing });
    const outcome = await receiveWebhook(options.models, { ...webhook, rawBody });
    if (outcome.kind === 'accepted') options.recorded();
    answer(res, 200, { status: outcome.kind, id: outcome.id });
  };
}
