import { createHmac, timingSafeEqual } from 'node:crypto';

/** The headers every delivery to a subscriber carries. */
export const DELIVERY_HEADERS = {
  eventId: 'x-mesh-event-id',
  topic: 'x-mesh-topic',
  attempt: 'x-mesh-delivery-attempt',
  timestamp: 'x-mesh-timestamp',
  signature: 'x-mesh-signature',
} as const;

/** How far a delivery's timestamp may be from the receiver's clock before it is refused as a replay (default of verifyDeliverySignature). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** `v1=<hex HMAC-SHA256 of "<timestamp>.<body>">` with the subscription's secret. */
export function signDelivery(body: string, timestampSeconds: number, secret: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex')}`;
}

/**
 * What a receiver checks (and the reference for writing the same check in another language): the
 * signature over the timestamp and the raw body, compared in constant time, and the timestamp
 * within `toleranceSeconds` of now, so a captured delivery cannot be replayed later.
 */
export function verifyDeliverySignature(options: {
  readonly body: string;
  readonly timestamp: string | undefined;
  readonly signature: string | undefined;
  readonly secret: string;
  readonly toleranceSeconds?: number;
  readonly nowSeconds?: number;
}): boolean {
  const timestamp = Number(options.timestamp);
  if (!options.signature || !Number.isInteger(timestamp)) return false;
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return false;
  const expected = Buffer.from(signDelivery(options.body, timestamp, options.secret));
  const given = Buffer.from(options.signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
