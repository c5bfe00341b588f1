import { Schema, type Connection, type Model } from 'mongoose';
import type { CurrencyCode } from '@mesh/server-kit';

/** A cost in one currency, in integer minor units (list prices live in price lists: pricing/). */
export interface PriceRecord {
  currency: CurrencyCode;
  amountMinor: number;
}

/** A sellable variant (SKU) as stored. */
export interface VariantRecord {
  _id: string;
  productId: string;
  name: string;
  attributes: { name: string; value: string }[];
  /** What a unit cost the retailer; not part of the public graph. */
  unitCosts: PriceRecord[];
}

const priceSchema = new Schema<PriceRecord>(
  {
    currency: { type: String, required: true, enum: ['USD', 'EUR'] },
    amountMinor: { type: Number, required: true, min: 0, validate: Number.isSafeInteger },
  },
  { _id: false },
);

const variantSchema = new Schema<VariantRecord>(
  {
    // The SKU is the id, so it is unique by construction.
    _id: { type: String, required: true },
    productId: { type: String, required: true },
    name: { type: String, required: true },
    attributes: { type: [{ name: String, value: String, _id: false }], default: [] },
    unitCosts: { type: [priceSchema], default: [] },
  },
  { versionKey: false, collection: 'variants' },
);
variantSchema.index({ productId: 1, _id: 1 });
variantSchema.index({ 'attributes.name': 1, 'attributes.value': 1 });

export type VariantModel = Model<VariantRecord>;

export function registerVariantModel(connection: Connection): VariantModel {
  return connection.model<VariantRecord>('Variant', variantSchema);
}
