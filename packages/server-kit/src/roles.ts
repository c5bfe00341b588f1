/**
 * Who is asking, and what each role may do. This file is the one place where the access
 * rules of the mesh are written down; subgraphs ask `can(principal, capability)` and never
 * compare role names themselves.
 */
export const ROLES = ['anonymous', 'customer', 'associate', 'analyst', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  readonly role: Role;
  /** Token subject: a user, an associate or a service account. Absent for anonymous callers. */
  readonly subject?: string;
  /** For role customer: the customer record this principal is. */
  readonly customerId?: string;
  /** For role associate: the store the associate works in, if the token names one. */
  readonly storeId?: string;
}

export const ANONYMOUS: Principal = Object.freeze({ role: 'anonymous' });

export type Capability =
  /** Catalog, prices, locations and availability. */
  | 'catalog:read'
  /** Any customer's profile and orders (not just one's own). */
  | 'customers:read-any'
  /** Email, phone and other personal data shown unmasked. */
  | 'pii:read'
  /** Any order, across customers and channels. */
  | 'orders:read-any'
  /** Record stock movements (receipts, adjustments, damage, counts). */
  | 'stock:write'
  /** Read the stock movement log. */
  | 'stock:read-movements'
  /** Journal entries, accounts, trial balance. */
  | 'ledger:read'
  /** Close a business day of the books (postings after it go to the next open day) and export its journal. */
  | 'ledger:close'
  /** Post a payment provider's settlement (fees, payout) to the ledger. */
  | 'ledger:settle'
  /** Schedule list prices and manage promotions and coupons. */
  | 'pricing:write'
  /** Place orders on any customer's behalf (not only one's own). */
  | 'orders:place-any'
  /** Fulfil orders: ship, ready for pickup, confirm pickup. */
  | 'orders:fulfil'
  /** Take back goods and pay refunds: create and receive returns, refund payments. */
  | 'returns:process'
  /** Upload a store's point-of-sale transactions (an associate only for their own store, when the token names one). */
  | 'pos:sync'
  /** Read the event trail: traces of a correlation id across domains, and dead letters. */
  | 'events:read'
  /** Replay a dead-lettered event after its cause is fixed. */
  | 'events:replay'
  /** Connect outside systems: set mapping tables, replay integration exceptions. */
  | 'integrations:manage';

const GRANTS: Readonly<Record<Role, ReadonlySet<Capability>>> = {
  anonymous: new Set(['catalog:read']),
  customer: new Set(['catalog:read']),
  associate: new Set([
    'catalog:read',
    'customers:read-any',
    'pii:read',
    'orders:read-any',
    'stock:write',
    'stock:read-movements',
    'orders:place-any',
    'orders:fulfil',
    'returns:process',
    'pos:sync',
  ]),
  analyst: new Set(['catalog:read', 'customers:read-any', 'orders:read-any', 'stock:read-movements', 'ledger:read', 'events:read']),
  admin: new Set([
    'catalog:read',
    'customers:read-any',
    'pii:read',
    'orders:read-any',
    'stock:write',
    'stock:read-movements',
    'ledger:read',
    'orders:place-any',
    'orders:fulfil',
    'returns:process',
    'pos:sync',
    'events:read',
    'events:replay',
    'integrations:manage',
    'pricing:write',
    'ledger:close',
    'ledger:settle',
  ]),
};

export function can(principal: Principal, capability: Capability): boolean {
  return GRANTS[principal.role].has(capability);
}

/** True when the principal is the customer `customerId` itself (a customer's own data). */
export function isSelf(principal: Principal, customerId: string): boolean {
  return principal.role === 'customer' && principal.customerId === customerId;
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
