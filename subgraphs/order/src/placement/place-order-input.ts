import { createHash } from 'node:crypto';
import { badUserInput, can, forbidden, identifier, isSelf, positiveQuantity, type Principal } from '@mesh/server-kit';
import type { PlaceOrderInput } from '../__generated__/schema-types.js';
import { requireSignedIn } from '../access.js';

export const MAX_ORDER_LINES = 50;
export const MAX_LINE_QUANTITY = 1000;
export const MAX_ORDER_COUPONS = 5;

/** Who may place an order for `customerId`: the customer themself, or a role that may place for anyone (associates, admins). */
export function assertMayPlaceFor(principal: Principal, customerId: string): void {
  requireSignedIn(principal);
  if (isSelf(principal, customerId)) return;
  if (can(principal, 'orders:place-any')) return;
  throw forbidden('You may only place orders for yourself');
}

/** Checks the input shape and bounds (writing nothing), returning it normalised. */
export function validatePlaceOrderInput(input: PlaceOrderInput): PlaceOrderInput {
  if (input.idempotencyKey.length < 1 || input.idempotencyKey.length > 128)
    throw badUserInput('idempotencyKey must be 1 to 128 characters', { argument: 'idempotencyKey' });
  identifier(input.customerId, 'customerId');
  identifier(input.fulfillment.locationId, 'fulfillment.locationId');
  if (input.lines.length < 1 || input.lines.length > MAX_ORDER_LINES)
    throw badUserInput(`lines must hold 1 to ${MAX_ORDER_LINES} lines`, { argument: 'lines' });
  const seen = new Set<string>();
  input.lines.forEach((line, index) => {
    identifier(line.sku, `lines[${index}].sku`);
    positiveQuantity(line.quantity, `lines[${index}].quantity`, MAX_LINE_QUANTITY);
    if (seen.has(line.sku)) throw badUserInput(`SKU ${line.sku} appears on more than one line`, { argument: 'lines' });
    seen.add(line.sku);
  });
  const coupons = input.couponCodes ?? [];
  if (coupons.length > MAX_ORDER_COUPONS) throw badUserInput(`at most ${MAX_ORDER_COUPONS} coupon codes`, { argument: 'couponCodes' });
  coupons.forEach((code, index) => identifier(code, `couponCodes[${index}]`));
  return { ...input, couponCodes: [...new Set(coupons.map((code) => code.trim().toUpperCase()))].sort() };
}

/** A fingerprint of everything the request asks for (not who asks): a reused key must carry the same. */
export function requestHash(input: PlaceOrderInput): string {
  const canonical = {
    channel: input.channel,
    customerId: input.customerId,
    currency: input.currency,
    fulfillment: { type: input.fulfillment.type, locationId: input.fulfillment.locationId },
    lines: input.lines.map((line) => [line.sku, line.quantity]),
    // Only when given, so that the fingerprint of an order without coupons is what it always was.
    ...(input.couponCodes?.length ? { couponCodes: input.couponCodes } : {}),
  };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}
