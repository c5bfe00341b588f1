/** Plain records of the seed data set, one shape per domain record. Money is integer minor units. */
export type Currency = 'USD' | 'EUR';
export type Region = 'US-EAST' | 'US-WEST' | 'EU-CENTRAL' | 'EU-WEST';
export type LocationType = 'STORE' | 'WAREHOUSE' | 'DISTRIBUTION_CENTER';
export type Channel = 'WEB' | 'APP' | 'POS' | 'MARKETPLACE' | 'CLIENTELING';
export type FulfillmentType = 'SHIP' | 'PICKUP_IN_STORE' | 'SHIP_FROM_STORE' | 'CARRY_OUT';
export type IdentityKind = 'WEB_ACCOUNT' | 'LOYALTY_CARD' | 'MARKETPLACE_BUYER' | 'EMAIL' | 'PHONE';
export type LoyaltyTier = 'NONE' | 'SILVER' | 'GOLD' | 'PLATINUM';
export type AccountType = 'ASSET' | 'LIABILITY' | 'EQUITY' | 'REVENUE' | 'EXPENSE';

export interface SeedProduct {
  id: string;
  name: string;
  description: string;
  brand: string;
  category: string;
  createdAt: Date;
}

export interface SeedPrice {
  currency: Currency;
  amountMinor: number;
}

export interface SeedVariant {
  sku: string;
  productId: string;
  name: string;
  attributes: { name: string; value: string }[];
  prices: SeedPrice[];
  /** What one unit cost the retailer, per currency; feeds cost of goods and inventory value. */
  unitCosts: SeedPrice[];
}

export interface SeedLocation {
  id: string;
  code: string;
  name: string;
  type: LocationType;
  region: Region;
  currency: Currency;
}

export interface SeedStockLevel {
  sku: string;
  locationId: string;
  onHand: number;
  reserved: number;
  inTransit: number;
  safetyStock: number;
}

export interface SeedMovement {
  id: string;
  idempotencyKey: string;
  sku: string;
  locationId: string;
  type: 'RECEIPT' | 'SALE';
  /** Signed change to on-hand stock. */
  quantityDelta: number;
  occurredAt: Date;
  reason: string;
  correlationId: string;
  orderId?: string;
}

export interface SeedIdentity {
  kind: IdentityKind;
  value: string;
}

export interface SeedCustomer {
  id: string;
  name: string;
  email: string;
  phone: string;
  loyaltyTier: LoyaltyTier;
  region: Region;
  identities: SeedIdentity[];
  createdAt: Date;
}

export interface SeedOrderLine {
  sku: string;
  quantity: number;
  unitPriceMinor: number;
  taxMinor: number;
  lineTotalMinor: number;
}

export type SeedOrderStatus = 'COMPLETED' | 'CANCELLED';

/** A planned return of a completed (non-till) order: opened, then received at the fulfilment location. */
export interface SeedReturnPlan {
  reason: 'DEFECTIVE' | 'DOES_NOT_FIT' | 'CHANGED_MIND' | 'NOT_AS_DESCRIBED';
  /** Units per order line (line numbers from 1); every unit of every line for a full return. */
  lines: { lineNumber: number; quantity: number }[];
  disposition: 'SELLABLE' | 'DAMAGED';
}

/**
 * One order of the seed history plan. The history driver replays it through the workflows
 * (placeOrder and the lifecycle commands, or a till upload for POS); the ids, number and dates the
 * mesh assigns are its own. `status`, `payment` and `statusHistory` describe the planned outcome.
 */
export interface SeedOrder {
  id: string;
  number: string;
  idempotencyKey: string;
  correlationId: string;
  channel: Channel;
  status: SeedOrderStatus;
  customerId: string;
  currency: Currency;
  fulfillment: { type: FulfillmentType; locationId: string };
  lines: SeedOrderLine[];
  totals: { subtotalMinor: number; taxMinor: number; totalMinor: number };
  payment: { authorizedMinor: number; capturedMinor: number; refundedMinor: number };
  placedAt: Date;
  statusHistory: { status: string; at: Date; reason?: string }[];
  /** A deterministic share of completed non-till orders is returned, partly or fully. */
  returnPlan?: SeedReturnPlan;
  /** A few completed non-till orders get a goodwill refund of this many minor units. */
  goodwillRefundMinor?: number;
}

export interface SeedAccount {
  code: string;
  name: string;
  type: AccountType;
}

export interface SeedJournalEntry {
  id: string;
  postedAt: Date;
  memo: string;
  source: { type: 'OPENING_BALANCE' | 'ORDER_CAPTURED' | 'ORDER_FULFILLED'; id: string };
  currency: Currency;
  correlationId: string;
  orderId?: string;
  customerId?: string;
  channel?: Channel;
  locationId?: string;
  lines: { accountCode: string; debitMinor: number; creditMinor: number }[];
}

export interface RetailDataset {
  products: SeedProduct[];
  variants: SeedVariant[];
  locations: SeedLocation[];
  stockLevels: SeedStockLevel[];
  movements: SeedMovement[];
  customers: SeedCustomer[];
  orders: SeedOrder[];
  accounts: SeedAccount[];
  journalEntries: SeedJournalEntry[];
}
