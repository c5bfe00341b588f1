import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Whether `signature` (the X-Shopify-Hmac-Sha256 header: base64 of HMAC-SHA256 over the raw body
 * with the shared secret) is right for `rawBody`. Compared in constant time; a missing or
 * malformed header is simply wrong.
 */
export function isValidShopifySignature(rawBody: Buffer, signature: string | undefined, secret: string): boolean {
  if (!signature) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  const given = Buffer.from(signature, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The header value Shopify would send for `rawBody` (tests and local tools sign with it). */
export function shopifySignature(rawBody: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(rawBody).digest('base64');
}
