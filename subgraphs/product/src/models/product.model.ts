import { Schema, type Connection, type Model } from 'mongoose';

/** A catalog product as stored. */
export interface ProductRecord {
  _id: string;
  name: string;
  description: string;
  brand: string;
  category: string;
  createdAt: Date;
}

const productSchema = new Schema<ProductRecord>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    description: { type: String, required: true },
    brand: { type: String, required: true },
    category: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'products' },
);
productSchema.index({ brand: 1, _id: 1 });
productSchema.index({ category: 1, _id: 1 });

export type ProductModel = Model<ProductRecord>;

export function registerProductModel(connection: Connection): ProductModel {
  return connection.model<ProductRecord>('Product', productSchema);
}
