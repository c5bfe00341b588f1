import { errorFactory } from '@mesh/server-kit';
import type { OrderStatus } from './__generated__/schema-types.js';

/** The order domain's own error codes (the common ones are in server-kit's errors.ts). */
export const ORDER_ERROR_CODES = {
  ILLEGAL_TRANSITION: 'The order cannot move from its current status to the one asked for; nothing was changed.',
  INTAKE_SATURATED: 'Order intake is saturated; nothing was written. Retry with the same idempotency key after extensions.retryAfterMs.',
  PAYMENT_MISMATCH: 'The payment a channel already took does not equal the order total the order domain computes; nothing was written.',
  COUPON_REFUSED:
    'A coupon of the order cannot be used (extensions.refusal says why: COUPON_UNKNOWN, COUPON_NOT_IN_FORCE, COUPON_EXHAUSTED, COUPON_CUSTOMER_LIMIT); nothing was written.',
  CATALOG_UNAVAILABLE:
    'The product catalog did not answer in time to price the order; nothing was written. Retry with the same idempotency key after extensions.retryAfterMs.',
  CUSTOMER_UNAVAILABLE:
    "The customer domain did not answer in time with the customer's loyalty tier (which prices the order); nothing was written. Retry with the same idempotency key after extensions.retryAfterMs.",
} as const;

/** Raises a shared code or one of ORDER_ERROR_CODES; any other code does not compile. */
export const orderError = errorFactory(ORDER_ERROR_CODES);

export const illegalTransition = (orderId: string, from: OrderStatus, to: OrderStatus, why?: string) =>
  orderError('ILLEGAL_TRANSITION', `Order ${orderId} cannot go from ${from} to ${to}${why ? `: ${why}` : ''}`, { orderId, from, to });

export const intakeSaturated = (retryAfterMs: number, backlog: number) =>
  orderError('INTAKE_SATURATED', `Order intake is saturated (${backlog} orders waiting for a decision); retry after ${retryAfterMs} ms`, {
    retryAfterMs,
    retryable: true,
  });

export const paymentMismatch = (paidMinor: number, totalMinor: number, subtotalMinor: number, taxMinor: number, currency: string) =>
  orderError(
    'PAYMENT_MISMATCH',
    `The payment ${paidMinor} does not equal the total ${totalMinor} (subtotal ${subtotalMinor} + tax ${taxMinor}) in ${currency} minor units`,
    { paidMinor, totalMinor },
  );

/** Pause suggested to a caller whose order could not be priced: the catalog is slow or restarting. */
const CATALOG_RETRY_AFTER_MS = 1000;

export const catalogUnavailable = (why: string) =>
  orderError('CATALOG_UNAVAILABLE', `The product catalog could not price the order (${why}); retry after ${CATALOG_RETRY_AFTER_MS} ms`, {
    retryAfterMs: CATALOG_RETRY_AFTER_MS,
    retryable: true,
  });

export const customerUnavailable = (why: string) =>
  orderError('CUSTOMER_UNAVAILABLE', `The customer domain could not tell the customer's loyalty tier (${why}); retry after ${CATALOG_RETRY_AFTER_MS} ms`, {
    retryAfterMs: CATALOG_RETRY_AFTER_MS,
    retryable: true,
  });

export const couponRefused = (code: string, refusal: string) =>
  orderError('COUPON_REFUSED', `Coupon ${code} cannot be used: ${refusal}`, { coupon: code, refusal });
