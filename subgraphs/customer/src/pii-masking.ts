/**
 * The PII rule of the customer domain, in one place: who sees personal data unmasked, which
 * fields are personal data, and what a masked value looks like. Everything a caller reads about
 * a customer passes through `presentCustomer`.
 */
import { can, type Principal } from '@mesh/server-kit';
import type { CustomerRecord, IdentityKind, LoyaltyTier } from './models/customer.model.js';

/** A customer as one caller may see it: the shape of the GraphQL `Customer` type. */
export interface CustomerView {
  readonly id: string;
  readonly name: string;
  readonly email: string | null;
  readonly phone: string | null;
  readonly loyaltyTier: LoyaltyTier;
  readonly identities: ReadonlyArray<{ readonly kind: IdentityKind; readonly value: string }>;
  readonly region: string;
  readonly createdAt: Date;
  /** True when email, phone and PII identity values were masked. */
  readonly piiMasked: boolean;
}

/** Identity kinds whose values are personal data and are masked like the fields they mirror. */
export const PII_IDENTITY_KINDS: ReadonlySet<IdentityKind> = new Set(['EMAIL', 'PHONE']);

/** Whether the caller sees a customer's PII unmasked: staff with `pii:read`, or the customer themself. */
export function seesPii(principal: Principal, isSelfRecord: boolean): boolean {
  return isSelfRecord || can(principal, 'pii:read');
}

/**
 * Whether the caller may use personal data as a search or lookup key. Someone who may not read
 * an email must not be able to test whether it belongs to a customer either.
 */
export function mayMatchOnPii(principal: Principal): boolean {
  return can(principal, 'pii:read');
}

/** The record as the caller sees it: unchanged when `unmasked`, otherwise with every PII value masked. */
export function presentCustomer(record: CustomerRecord, unmasked: boolean): CustomerView {
  const email = record.email ?? null;
  const phone = record.phone ?? null;
  return {
    id: record._id,
    name: record.name,
    email: email === null || unmasked ? email : maskEmail(email),
    phone: phone === null || unmasked ? phone : maskPhone(phone),
    loyaltyTier: record.loyaltyTier,
    identities: record.identities.map(({ kind, value }) => ({ kind, value: unmasked ? value : maskIdentityValue(kind, value) })),
    region: record.region,
    createdAt: record.createdAt,
    piiMasked: !unmasked,
  };
}

/** "ava.garcia.1@example.com" -> "a***@example.com": the first character and the domain stay. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email.slice(0, 1)}***${email.slice(at)}`;
}

/**
 * "+15550000042" -> "+1*******0042": the leading "+" and first digit and the last four digits stay;
 * the middle is always seven stars, so the length of the number does not show either.
 */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 8) return '*******';
  return `${phone.startsWith('+') ? '+' : ''}${digits.slice(0, 1)}*******${digits.slice(-4)}`;
}

/** An identity value masked when its kind is personal data; other kinds (account ids, card numbers) pass unchanged. */
export function maskIdentityValue(kind: IdentityKind, value: string): string {
  if (kind === 'EMAIL') return maskEmail(value);
  if (kind === 'PHONE') return maskPhone(value);
  return value;
}
