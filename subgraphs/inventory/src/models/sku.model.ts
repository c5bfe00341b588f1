import { Schema, type Connection, type Model } from 'mongoose';

/**
 * A SKU inventory knows about. Movements are accepted only for known SKUs; the list is seeded
 * from the catalog and later kept up to date from product events.
 */
export interface SkuRecord {
  _id: string;
  productId: string;
  createdAt: Date;
}

/** A ProductVariant as inventory sees it: only its key. The product subgraph owns the rest. */
export interface VariantReference {
  readonly sku: string;
}

const skuSchema = new Schema<SkuRecord>(
  {
    _id: { type: String, required: true },
    productId: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'skus' },
);

export type SkuModel = Model<SkuRecord>;

export function registerSkuModel(connection: Connection): SkuModel {
  return (connection.models['Sku'] as SkuModel | undefined) ?? connection.model<SkuRecord>('Sku', skuSchema);
}
