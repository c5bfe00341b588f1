import { Schema, type Connection, type Model } from 'mongoose';
import type { CurrencyCode } from '@mesh/server-kit';

/** What one unit of a SKU costs in one currency, in integer minor units. */
export interface UnitCost {
  currency: CurrencyCode;
  amountMinor: number;
}

/**
 * A SKU inventory knows about. Movements are accepted only for known SKUs; the list is seeded
 * from the catalog and later kept up to date from product events.
 */
export interface SkuRecord {
  _id: string;
  productId: string;
  /** The SKU's unit cost per currency: a movement at a location is valued in the location's currency. */
  unitCosts: UnitCost[];
  createdAt: Date;
}

/** A ProductVariant as inventory sees it: only its key. The product subgraph owns the rest. */
export interface VariantReference {
  readonly sku: string;
}

const unitCostSchema = new Schema<UnitCost>(
  {
    currency: { type: String, required: true, enum: ['USD', 'EUR'] },
    amountMinor: { type: Number, required: true, min: 0, validate: Number.isSafeInteger },
  },
  { _id: false },
);

const skuSchema = new Schema<SkuRecord>(
  {
    _id: { type: String, required: true },
    productId: { type: String, required: true },
    unitCosts: { type: [unitCostSchema], default: [] },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'skus' },
);

export type SkuModel = Model<SkuRecord>;

export function registerSkuModel(connection: Connection): SkuModel {
  return (connection.models['Sku'] as SkuModel | undefined) ?? connection.model<SkuRecord>('Sku', skuSchema);
}
