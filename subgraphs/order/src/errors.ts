import { meshError } from '@mesh/server-kit';
import type { OrderStatus } from './__generated__/resolvers-types.js';

/** The order domain's own error codes (the common ones are in server-kit's errors.ts). */
export const ORDER_ERROR_CODES = {
  IDEMPOTENCY_KEY_REUSED: 'The idempotency key was already used for a different request; nothing was changed.',
  ILLEGAL_TRANSITION: 'The order cannot move from its current status to the one asked for; nothing was changed.',
  INTAKE_SATURATED: 'Order intake is saturated; nothing was written. Retry with the same idempotency key after extensions.retryAfterMs.',
} as const;

export const idempotencyKeyReused = (key: string) =>
  meshError('IDEMPOTENCY_KEY_REUSED', `The idempotency key ${key} was already used for a different order`, { idempotencyKey: key });

export const illegalTransition = (orderId: string, from: OrderStatus, to: OrderStatus, why?: string) =>
  meshError('ILLEGAL_TRANSITION', `Order ${orderId} cannot go from ${from} to ${to}${why ? `: ${why}` : ''}`, { orderId, from, to });

export const intakeSaturated = (retryAfterMs: number, backlog: number) =>
  meshError('INTAKE_SATURATED', `Order intake is saturated (${backlog} orders waiting for a decision); retry after ${retryAfterMs} ms`, { retryAfterMs, retryable: true });
