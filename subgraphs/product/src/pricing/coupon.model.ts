import { Schema, type Connection, type Model } from 'mongoose';

/** One use of a coupon, by the order (or other sale) whose key it carries. */
export interface CouponRedemptionRecord {
  /** The redeeming sale's key (an order id): a repeat finds this redemption, a release removes it. */
  key: string;
  customerId?: string;
  at: Date;
  /**
   * True from the redemption until `order.order-placed` of its key arrives: a use whose order was
   * never stored (its process died in between) is given back by the sweep (return-unplaced-uses.job.ts).
   * Absent on uses from before the sweep existed, which it leaves alone.
   */
  awaitingOrder?: boolean;
}

/**
 * A coupon code as stored: which promotion it unlocks, and its uses. Every redemption and release
 * is one guarded update of this document, so `uses` never passes `maxUses`, nor a customer's count
 * (`byCustomer`, keyed by the hex of the customer id, which may hold dots) `perCustomerLimit`.
 */
export interface CouponRecord {
  /** The code, upper case. */
  _id: string;
  promotionId: string;
  maxUses: number;
  /** Absent: no per-customer limit. */
  perCustomerLimit?: number;
  uses: number;
  byCustomer: Record<string, number>;
  redemptions: CouponRedemptionRecord[];
  createdAt: Date;
}

const couponSchema = new Schema<CouponRecord>(
  {
    _id: { type: String, required: true },
    promotionId: { type: String, required: true },
    maxUses: { type: Number, required: true, min: 1, validate: Number.isSafeInteger },
    perCustomerLimit: { type: Number, min: 1, validate: Number.isSafeInteger },
    uses: { type: Number, required: true, min: 0 },
    byCustomer: { type: Schema.Types.Mixed, default: {} },
    redemptions: {
      type: [{ key: { type: String, required: true }, customerId: String, at: { type: Date, required: true }, awaitingOrder: Boolean, _id: false }],
      default: [],
    },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, minimize: false, collection: 'coupons' },
);
couponSchema.index({ promotionId: 1 });
// A rejected or cancelled order's uses are found by its key.
couponSchema.index({ 'redemptions.key': 1 });
// The sweep finds uses still waiting for their order.
couponSchema.index({ 'redemptions.awaitingOrder': 1 });

export type CouponModel = Model<CouponRecord>;

export function registerCouponModel(connection: Connection): CouponModel {
  return connection.model<CouponRecord>('Coupon', couponSchema);
}

/** The `byCustomer` field name of a customer. */
export const customerCounter = (customerId: string) => Buffer.from(customerId, 'utf8').toString('hex');
