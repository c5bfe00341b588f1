import { Schema, type Connection, type Model } from 'mongoose';
import type { PromotionRule } from './promotion-rules.js';

/** A promotion as stored: its rule (promotion-rules.ts), and who created it when. Never edited: end one and create another. */
export interface PromotionRecord extends Omit<PromotionRule, 'id'> {
  /** The promotion id, e.g. promo_weekend_sale. */
  _id: string;
  /** The idempotency key that created it: a repeat returns it. */
  key: string;
  createdAt: Date;
  createdBy: string;
}

const promotionSchema = new Schema<PromotionRecord>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    kind: { type: String, required: true, enum: ['PERCENT_OFF', 'AMOUNT_OFF', 'FIXED_PRICE', 'BUY_X_GET_Y', 'BUNDLE_PRICE', 'SPEND_THRESHOLD'] },
    percent: { type: Number, min: 1, max: 100 },
    amountMinor: { type: Number, min: 0, validate: Number.isSafeInteger },
    thresholdMinor: { type: Number, min: 0, validate: Number.isSafeInteger },
    buyQuantity: { type: Number, min: 1 },
    getQuantity: { type: Number, min: 1 },
    bundleSkus: { type: [String], default: undefined },
    currency: { type: String, enum: ['USD', 'EUR'] },
    scope: {
      channels: { type: [String], default: undefined },
      storeIds: { type: [String], default: undefined },
      skus: { type: [String], default: undefined },
      categories: { type: [String], default: undefined },
      tiers: { type: [String], default: undefined },
    },
    startsAt: { type: Date, required: true },
    endsAt: { type: Date, required: true },
    priority: { type: Number, required: true },
    stacking: { type: String, required: true, enum: ['EXCLUSIVE', 'COMBINABLE'] },
    couponCode: { type: String },
    key: { type: String, required: true, unique: true },
    createdAt: { type: Date, required: true },
    createdBy: { type: String, required: true },
  },
  { versionKey: false, collection: 'promotions' },
);
// Pricing reads the promotions not yet ended (a small working set: ended ones are history).
promotionSchema.index({ endsAt: 1 });

export type PromotionModel = Model<PromotionRecord>;

export function registerPromotionModel(connection: Connection): PromotionModel {
  return connection.model<PromotionRecord>('Promotion', promotionSchema);
}

/** The promotions in force at `at`, highest priority first (ties by id): read through the index on endsAt. */
export function promotionsInForce(model: PromotionModel, at: Date): Promise<PromotionRecord[]> {
  return model
    .find({ endsAt: { $gt: at }, startsAt: { $lte: at } })
    .sort({ priority: -1, _id: 1 })
    .lean<PromotionRecord[]>()
    .exec();
}

/** The rule of a stored promotion. */
export function ruleOf(record: PromotionRecord): PromotionRule {
  const { _id, key: _key, createdAt: _createdAt, createdBy: _createdBy, ...rule } = record;
  // A scope with no list set is not stored (mongoose leaves out empty nested objects).
  return { id: _id, ...rule, scope: rule.scope ?? {} };
}
