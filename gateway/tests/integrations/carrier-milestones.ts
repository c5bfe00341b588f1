import { DELIVERY_HEADERS, signDelivery, SOURCE_HEADER } from '@mesh/integration-subgraph';

/** The fulfilment webhook key the integration subgraph is started with (FULFILMENT_WEBHOOK_SECRET) in these tests. */
export const CARRIER_SECRET = 'carrier-test-signing-key';

/**
 * POSTs a fulfilment milestone to the integration subgraph (its /graphql URL given) as a carrier
 * does: `v1=` HMAC-SHA256 of `<timestamp>.<raw body>`, with the shared key at `timestamp` (now by default).
 */
export async function postCarrierMilestone(
  integrationUrl: string,
  eventId: string,
  body: Record<string, unknown>,
  options: { secret?: string; timestamp?: number } = {},
): Promise<{ status: number; body: { status?: string } }> {
  const raw = JSON.stringify(body);
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const response = await fetch(integrationUrl.replace(/\/graphql$/, '/webhooks/fulfilment'), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [DELIVERY_HEADERS.eventId]: eventId,
      [SOURCE_HEADER]: 'ups',
      [DELIVERY_HEADERS.timestamp]: String(timestamp),
      [DELIVERY_HEADERS.signature]: signDelivery(raw, timestamp, options.secret ?? CARRIER_SECRET),
    },
    body: raw,
  });
  return { status: response.status, body: (await response.json()) as { status?: string } };
}
