import { Schema, type Connection, type Model } from 'mongoose';
import { pendingEventsPlugin, type AnyEnvelope } from '@mesh/events';
import type { CurrencyCode } from '@mesh/server-kit';
import type { FulfillmentType, OrderStatus, SalesChannel } from '../__generated__/schema-types.js';
import { orderAmountProblems } from './order-amounts.js';
import { refundSchema, returnSchema, type RefundRecord, type ReturnRecord } from './order-return.schema.js';

export const SALES_CHANNELS = ['WEB', 'APP', 'POS', 'MARKETPLACE', 'CLIENTELING'] as const satisfies readonly SalesChannel[];
export const ORDER_STATUSES = [
  'PENDING',
  'PLACED',
  'CONFIRMED',
  'REJECTED',
  'READY_FOR_PICKUP',
  'PICKED_UP',
  'SHIPPED',
  'COMPLETED',
  'CANCELLED',
  'PARTIALLY_RETURNED',
  'RETURNED',
] as const satisfies readonly OrderStatus[];
export const FULFILLMENT_TYPES = ['SHIP', 'PICKUP_IN_STORE', 'SHIP_FROM_STORE', 'CARRY_OUT'] as const satisfies readonly FulfillmentType[];

/** One order line as stored; amounts in integer minor units of the order's currency. */
export interface OrderLineRecord {
  lineNumber: number;
  sku: string;
  quantity: number;
  /** List price of one unit, before discounts. */
  unitPriceMinor: number;
  /** What promotions took off the whole line (absent: none): net = unitPriceMinor x quantity - discountMinor. */
  discountMinor?: number;
  /** The promotions behind discountMinor, each's share; they add up to it. */
  discounts?: { promotionId: string; amountMinor: number }[];
  taxMinor: number;
  lineTotalMinor: number;
  /** Cost of one unit in the order's currency, from the catalog at placement (absent on seeded history). */
  unitCostMinor?: number;
  /** Units in returns of this line, requested or received (absent: none); never above quantity. */
  claimedQuantity?: number;
  /** Units of this line received back and refunded (absent: none); never above claimedQuantity. */
  returnedQuantity?: number;
}

/** A promotion applied to an order at placing. */
export interface OrderPromotionRecord {
  promotionId: string;
  name: string;
  couponCode?: string;
  amountMinor: number;
}

/** Why an order was refused, as inventory (or payment) decided it. */
export interface OrderRejectionRecord {
  reason: 'INSUFFICIENT_STOCK' | 'PAYMENT_DECLINED' | 'INVALID_ORDER';
  shortages: { sku: string; quantity: number; available: number }[];
}

/** An order as stored. `_id` is the order id; amounts are integer minor units (JS safe integers). */
export interface OrderRecord {
  _id: string;
  number: string;
  /** The key the placing request carried; a repeat of it finds this order instead of creating another. */
  idempotencyKey: string;
  correlationId: string;
  channel: SalesChannel;
  status: OrderStatus;
  /** The customer the order is for; absent only for an anonymous till (POS) sale, which names no customer. */
  customerId?: string;
  currency: CurrencyCode;
  fulfillment: {
    type: FulfillmentType;
    locationId: string;
    /** The carrier's tracking, once shipped with one (shipOrder's `tracking`, or recordDelivery). */
    tracking?: { carrier: string; trackingNumber: string };
    /** When the carrier delivered it (recordDelivery). */
    deliveredAt?: Date;
  };
  lines: OrderLineRecord[];
  totals: { subtotalMinor: number; taxMinor: number; totalMinor: number };
  /** `capturedAt`: when the payment was captured (absent until then, and on orders captured before it was recorded). */
  payment: { authorizedMinor: number; capturedMinor: number; refundedMinor: number; capturedAt?: Date };
  placedAt: Date;
  statusHistory: { status: OrderStatus; at: Date; reason?: string }[];
  /** A fingerprint of the placing request: the same key with another request is refused. Absent on seeded history. */
  requestHash?: string;
  /** Set when the order is REJECTED. */
  rejection?: OrderRejectionRecord;
  /** The reservation inventory holds for the order, once CONFIRMED. */
  reservationId?: string;
  /** Idempotency keys of the lifecycle commands already applied, with the status each led to. */
  appliedCommands?: { key: string; status: OrderStatus }[];
  /** For an order a storefront or marketplace already took payment for (recordExternalOrder): who took it, its reference and amount. */
  externalPayment?: { provider: string; reference: string; amountMinor: number };
  /** The order's returns, oldest first (see Mutation.createReturn / receiveReturn). */
  returns?: ReturnRecord[];
  /** Every refund paid on the order, oldest first; their amounts sum to payment.refundedMinor. */
  refunds?: RefundRecord[];
  /** The promotions that priced the order at placing (absent: none), in the order they applied; their amounts add up to the lines' discounts. */
  promotions?: OrderPromotionRecord[];
  /** Coupon codes redeemed for the order (their uses are given back if it is rejected or cancelled). */
  couponCodes?: string[];
  /** Events recorded with a state change and not yet published (the outbox relay publishes and pulls them). */
  pendingEvents?: AnyEnvelope[];
}

const minor = { type: Number, required: true, min: 0, validate: Number.isSafeInteger } as const;

const lineSchema = new Schema<OrderLineRecord>(
  {
    lineNumber: { type: Number, required: true, min: 1 },
    sku: { type: String, required: true },
    quantity: { type: Number, required: true, min: 1, validate: Number.isSafeInteger },
    unitPriceMinor: minor,
    discountMinor: { type: Number, min: 0, validate: Number.isSafeInteger },
    discounts: { type: [{ promotionId: { type: String, required: true }, amountMinor: minor, _id: false }], default: undefined },
    taxMinor: minor,
    lineTotalMinor: minor,
    unitCostMinor: { type: Number, min: 0, validate: Number.isSafeInteger },
    claimedQuantity: { type: Number, min: 0, validate: Number.isSafeInteger },
    returnedQuantity: { type: Number, min: 0, validate: Number.isSafeInteger },
  },
  { _id: false },
);

const orderSchema = new Schema<OrderRecord>(
  {
    _id: { type: String, required: true },
    number: { type: String, required: true, unique: true },
    idempotencyKey: { type: String, required: true, unique: true },
    correlationId: { type: String, required: true, index: true },
    channel: { type: String, required: true, enum: SALES_CHANNELS },
    status: { type: String, required: true, enum: ORDER_STATUSES },
    customerId: { type: String },
    currency: { type: String, required: true, enum: ['USD', 'EUR'] },
    fulfillment: {
      type: { type: String, required: true, enum: FULFILLMENT_TYPES },
      locationId: { type: String, required: true },
      tracking: {
        type: new Schema({ carrier: { type: String, required: true }, trackingNumber: { type: String, required: true } }, { _id: false }),
        default: undefined,
      },
      deliveredAt: Date,
    },
    lines: { type: [lineSchema], required: true },
    totals: { subtotalMinor: minor, taxMinor: minor, totalMinor: minor },
    payment: { authorizedMinor: minor, capturedMinor: minor, refundedMinor: minor, capturedAt: Date },
    placedAt: { type: Date, required: true },
    statusHistory: {
      type: [{ status: { type: String, required: true, enum: ORDER_STATUSES }, at: { type: Date, required: true }, reason: String, _id: false }],
      default: [],
    },
    requestHash: String,
    rejection: {
      type: new Schema(
        {
          reason: { type: String, required: true, enum: ['INSUFFICIENT_STOCK', 'PAYMENT_DECLINED', 'INVALID_ORDER'] },
          shortages: { type: [{ sku: String, quantity: Number, available: Number, _id: false }], default: [] },
        },
        { _id: false },
      ),
      default: undefined,
    },
    reservationId: String,
    appliedCommands: { type: [{ key: { type: String, required: true }, status: { type: String, required: true }, _id: false }], default: undefined },
    externalPayment: {
      type: new Schema({ provider: { type: String, required: true }, reference: { type: String, required: true }, amountMinor: minor }, { _id: false }),
      default: undefined,
    },
    returns: { type: [returnSchema], default: undefined },
    refunds: { type: [refundSchema], default: undefined },
    promotions: {
      type: [{ promotionId: { type: String, required: true }, name: { type: String, required: true }, couponCode: String, amountMinor: minor, _id: false }],
      default: undefined,
    },
    couponCodes: { type: [String], default: undefined },
  },
  { versionKey: false, collection: 'orders' },
);
orderSchema.plugin(pendingEventsPlugin);
orderSchema.pre('validate', function checkAmounts() {
  const problems = orderAmountProblems(this);
  if (problems.length > 0) this.invalidate('totals', problems.join('; '));
});
// Every listing sorts newest first with _id as the tie-break, so each index ends in (placedAt, _id) descending.
orderSchema.index({ customerId: 1, placedAt: -1, _id: -1 });
orderSchema.index({ channel: 1, placedAt: -1, _id: -1 });
orderSchema.index({ status: 1, placedAt: -1, _id: -1 });
orderSchema.index({ 'fulfillment.locationId': 1, placedAt: -1, _id: -1 });
orderSchema.index({ placedAt: -1, _id: -1 });
// receiveReturn finds the order of a return; createReturn checks a key is not used on another order.
orderSchema.index({ 'returns._id': 1 });
orderSchema.index({ 'returns.idempotencyKey': 1 });
orderSchema.index({ 'refunds.idempotencyKey': 1 });
// The day's payments for reconciliation (paymentsOfDay): captures and refunds by when they happened.
orderSchema.index({ 'payment.capturedAt': 1 }, { sparse: true });
orderSchema.index({ 'refunds.at': 1 }, { sparse: true });

export type OrderModel = Model<OrderRecord>;

export function registerOrderModel(connection: Connection): OrderModel {
  return connection.model<OrderRecord>('Order', orderSchema);
}
