import { badUserInput, boundedText } from '@mesh/server-kit';
import type { IdentityKind } from './models/customer.model.js';

/** Longest identity value accepted (an email address may be up to 254 characters). */
export const MAX_IDENTITY_VALUE_LENGTH = 254;

/**
 * The stored form of an identity value, so that what a shop-floor scanner or a typed search gives
 * matches what the channel stored: emails lower-case, phones without spaces, dashes, dots or
 * brackets, everything trimmed. Throws BAD_USER_INPUT for an empty or oversized value.
 */
export function normalizeIdentityValue(kind: IdentityKind, value: string, argument = 'value'): string {
  const trimmed = (boundedText(value, argument, MAX_IDENTITY_VALUE_LENGTH) ?? '').trim();
  const normalized = kind === 'EMAIL' ? trimmed.toLowerCase() : kind === 'PHONE' ? trimmed.replace(/[\s\-().]/g, '') : trimmed;
  if (normalized.length === 0) throw badUserInput(`${argument} must not be empty`, { argument });
  return normalized;
}
