/**
 * Value types shared by every event payload. Payloads are plain JSON: no Date, no bigint, no
 * class instances, so an envelope survives the wire, the outbox and a dead-letter replay unchanged.
 */

/** The domains that own data and publish events; the first segment of every topic. */
export const DOMAINS = ['product', 'inventory', 'order', 'customer', 'ledger'] as const;
export type Domain = (typeof DOMAINS)[number];

/** ISO 4217 codes the mesh trades in (the keys of server-kit's CURRENCY_EXPONENTS). */
export type CurrencyCode = 'USD' | 'EUR';

/**
 * An amount of money: integer minor units (cents) and its currency, never a floating-point
 * amount. `minorUnits` is a JavaScript safe integer, which JSON carries exactly.
 */
export interface Money {
  readonly minorUnits: number;
  readonly currency: CurrencyCode;
}

export type SalesChannel = 'WEB' | 'APP' | 'POS' | 'MARKETPLACE' | 'CLIENTELING';
export type FulfillmentType = 'SHIP' | 'PICKUP_IN_STORE' | 'SHIP_FROM_STORE' | 'CARRY_OUT';
export type OrderStatus =
  | 'PENDING'
  | 'PLACED'
  | 'CONFIRMED'
  | 'REJECTED'
  | 'READY_FOR_PICKUP'
  | 'PICKED_UP'
  | 'SHIPPED'
  | 'COMPLETED'
  | 'CANCELLED'
  | 'PARTIALLY_RETURNED'
  | 'RETURNED';

/** A quantity of one SKU, as reserved, released, committed or returned. */
export interface SkuQuantity {
  readonly sku: string;
  readonly quantity: number;
}
