import { Schema, type Connection, type Model } from 'mongoose';
import { pendingEventsPlugin, type AnyEnvelope } from '@mesh/events';
import type { CurrencyCode } from '@mesh/server-kit';
import type { LoyaltyTier, SalesChannel } from '../__generated__/schema-types.js';

/** One price of a price list, in force from `from` (inclusive) until `to` (exclusive; absent: open-ended). */
export interface PricePeriodRecord {
  amountMinor: number;
  from: Date;
  to?: Date;
  /** The idempotency key of the request that scheduled it: a repeat returns this period. */
  key: string;
  recordedAt: Date;
  recordedBy: string;
  /** True once `product.price-changed` was recorded for it taking effect (seeded prices start true). */
  announced: boolean;
}

/** A period with the currency of its list, as the graph shows it. */
export type PricePeriodView = PricePeriodRecord & { readonly currency: CurrencyCode };

/** Which sales a price list prices: a SKU in a currency, optionally narrowed to a channel, a store and a loyalty tier. */
export interface PriceScope {
  sku: string;
  currency: CurrencyCode;
  /** Absent: every channel (the default price). */
  channel?: SalesChannel;
  storeId?: string;
  tier?: LoyaltyTier;
}

/**
 * A price list as stored: one document per scope holding its whole timeline, oldest first, so a
 * change is one guarded single-document update (`revision`) and history is never lost.
 */
export interface PriceListRecord extends PriceScope {
  /** `priceListId(scope)`: the scope is the key. */
  _id: string;
  periods: PricePeriodRecord[];
  /** Bumped by every write; writes are guarded on the revision they read. */
  revision: number;
  /** The start of the earliest period not yet announced (absent when none): what the due job finds. */
  nextDueAt?: Date;
  pendingEvents?: AnyEnvelope[];
}

/** The document id of a scope's price list. */
export function priceListId(scope: PriceScope): string {
  return [scope.sku, scope.currency, scope.channel ?? '*', scope.storeId ?? '*', scope.tier ?? '*'].join('|');
}

const periodSchema = new Schema<PricePeriodRecord>(
  {
    amountMinor: { type: Number, required: true, min: 1, validate: Number.isSafeInteger },
    from: { type: Date, required: true },
    to: { type: Date },
    key: { type: String, required: true },
    recordedAt: { type: Date, required: true },
    recordedBy: { type: String, required: true },
    announced: { type: Boolean, required: true },
  },
  { _id: false },
);

const priceListSchema = new Schema<PriceListRecord>(
  {
    _id: { type: String, required: true },
    sku: { type: String, required: true },
    currency: { type: String, required: true, enum: ['USD', 'EUR'] },
    channel: { type: String },
    storeId: { type: String },
    tier: { type: String },
    periods: { type: [periodSchema], default: [] },
    revision: { type: Number, required: true },
    nextDueAt: { type: Date },
  },
  { versionKey: false, collection: 'price_lists' },
);
priceListSchema.plugin(pendingEventsPlugin);
// Prices of a page of variants are read by SKU; the due job reads only lists with a change to announce.
priceListSchema.index({ sku: 1 });
priceListSchema.index({ nextDueAt: 1 }, { sparse: true });

export type PriceListModel = Model<PriceListRecord>;

export function registerPriceListModel(connection: Connection): PriceListModel {
  return connection.model<PriceListRecord>('PriceList', priceListSchema);
}
