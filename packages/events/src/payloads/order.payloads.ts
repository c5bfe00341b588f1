import type { CurrencyCode, FulfillmentType, Money, OrderStatus, SalesChannel, SkuQuantity } from './common.payloads.js';

export interface OrderLinePayload {
  readonly lineNumber: number;
  readonly sku: string;
  readonly quantity: number;
  /** The list price of one unit, before discounts. */
  readonly unitPrice: Money;
  /** What promotions took off the line (absent: none); lineTotal = unitPrice x quantity - discount + tax. */
  readonly discount?: Money;
  readonly tax: Money;
  readonly lineTotal: Money;
}

/** What one promotion took off an order, before tax: the ledger posts it to the promotion's contra-revenue account. */
export interface PromotionDiscount {
  readonly promotionId: string;
  readonly name: string;
  readonly amount: Money;
}

/** What the ledger and reconciliation need to attribute money to a channel and a store. */
export interface OrderAttribution {
  readonly orderId: string;
  readonly channel: SalesChannel;
  /** The fulfilling or selling location (the store for POS and pickup). */
  readonly locationId: string;
}

export interface OrderPlaced extends OrderAttribution {
  readonly orderNumber: string;
  /** Absent only for an anonymous till (POS) sale, which names no customer. */
  readonly customerId?: string;
  readonly fulfillment: { readonly type: FulfillmentType; readonly locationId: string };
  readonly lines: readonly OrderLinePayload[];
  readonly subtotal: Money;
  readonly tax: Money;
  readonly total: Money;
  /**
   * PLACED when stock was decided at once, PENDING while inventory was unreachable: inventory
   * reserves the lines at the fulfilment location. COMPLETED for a till (POS) sale synced from a
   * store: the goods already left at the till (channel POS, fulfilment CARRY_OUT), so inventory
   * reserves NOTHING; the same order's order-status-changed to COMPLETED carries `fulfillment`
   * and is where stock leaves (SALE movements) and cost of goods is posted.
   */
  readonly status: Extract<OrderStatus, 'PLACED' | 'PENDING' | 'COMPLETED'>;
  /**
   * The coupon codes the order redeemed ([] for none): the product domain confirms their uses, so
   * that its sweep does not give them back. Absent on events from before it was added, and on till sales.
   */
  readonly couponCodes?: readonly string[];
}

export interface OrderConfirmed {
  readonly orderId: string;
  readonly reservationId: string;
}

export type OrderRejectionReason = 'INSUFFICIENT_STOCK' | 'PAYMENT_DECLINED' | 'INVALID_ORDER';

export interface OrderRejected {
  readonly orderId: string;
  readonly reason: OrderRejectionReason;
  /** For INSUFFICIENT_STOCK: each short line with what was asked and what was available. */
  readonly shortages: readonly (SkuQuantity & { readonly available: number })[];
  /** The coupon codes the order redeemed ([] for none), so the product domain knows whether it has uses to give back; absent on events from before it was added. */
  readonly couponCodes?: readonly string[];
}

export interface OrderStatusChanged {
  readonly orderId: string;
  /** null for the first status of a new order. */
  readonly from: OrderStatus | null;
  readonly to: OrderStatus;
  readonly reason?: string;
  /**
   * Set on the one transition at which the goods leave stock: to SHIPPED, to PICKED_UP, or to
   * COMPLETED for a carry-out sale at the till. The ledger posts cost of goods from it (once per
   * order); a transition to SHIPPED or PICKED_UP without it is dead-lettered by the ledger.
   * Inventory commits the order's reservation as SALE movements; a CARRY_OUT order with no
   * reservation (a POS sale) instead records SALE movements directly at the location, once per
   * (order, SKU), never taking on hand below zero (units sold beyond it are noted on the movement).
   */
  readonly fulfillment?: FulfilledGoods;
  /** On the transition to SHIPPED when the carrier's tracking was given (shipOrder's `tracking`). */
  readonly tracking?: ShipmentTracking;
}

/** A carrier and its tracking number of a shipment. */
export interface ShipmentTracking {
  readonly carrier: string;
  readonly trackingNumber: string;
}

export interface ShipmentDelivered {
  readonly orderId: string;
  readonly tracking: ShipmentTracking;
  /** ISO 8601: when the carrier delivered it. */
  readonly deliveredAt: string;
}

/** One line of goods that left stock, valued at cost. */
export interface FulfilledLine extends SkuQuantity {
  /** Cost of one unit in the order's currency (integer minor units, at least 0): what leaves inventory. */
  readonly unitCostMinor: number;
}

/** What left stock at fulfilment, with everything the ledger needs to post cost of goods. */
export interface FulfilledGoods {
  readonly type: FulfillmentType;
  readonly channel: SalesChannel;
  /** The location the goods left from (the store for pickup and carry-out). */
  readonly locationId: string;
  /** Absent only for an anonymous till (POS) sale, which names no customer. */
  readonly customerId?: string;
  /** The order's currency; every unitCostMinor is in it. */
  readonly currency: CurrencyCode;
  readonly lines: readonly FulfilledLine[];
}

export type OrderCancellationReason = 'CUSTOMER_REQUEST' | 'PICKUP_EXPIRED' | 'STORE_REQUEST';

export interface OrderCancelled {
  readonly orderId: string;
  readonly reason: OrderCancellationReason;
  readonly note?: string;
  /** The coupon codes the order redeemed ([] for none); absent on events from before it was added. */
  readonly couponCodes?: readonly string[];
}

export interface PaymentAuthorized extends OrderAttribution {
  readonly paymentId: string;
  readonly amount: Money;
}

export interface PaymentCaptured extends OrderAttribution {
  readonly paymentId: string;
  /** The order's customer (the ledger attributes the capture to them for lifetime value). Needed by the ledger. */
  readonly customerId?: string;
  /** This capture. */
  readonly amount: Money;
  /**
   * The revenue part of this capture, before tax: subtotal + tax = amount, same currency. Optional
   * only for compatibility; the ledger dead-letters a capture without subtotal and tax.
   */
  readonly subtotal?: Money;
  /** The tax part of this capture (tax payable): subtotal + tax = amount, same currency. See subtotal. */
  readonly tax?: Money;
  /**
   * The promotions' discounts on the order (absent: none). subtotal is net of them: revenue is
   * posted gross (subtotal + discounts) with each discount on its promotion's contra-revenue account.
   */
  readonly discounts?: readonly PromotionDiscount[];
  /** Everything captured on the order so far, this capture included. */
  readonly capturedTotal: Money;
}

export interface PaymentRefunded extends OrderAttribution {
  readonly paymentId: string;
  readonly refundId: string;
  readonly returnId?: string;
  /** The order's customer (the refund lowers their lifetime value). Needed by the ledger. */
  readonly customerId?: string;
  /** This refund. */
  readonly amount: Money;
  /**
   * The tax given back within this refund (at most amount, same currency); amount - tax is the
   * returned revenue. Optional only for compatibility; the ledger dead-letters a refund without it.
   */
  readonly tax?: Money;
  /** Everything refunded on the order so far, this refund included; never above captured. */
  readonly refundedTotal: Money;
}

export type ReturnDisposition = 'SELLABLE' | 'DAMAGED';

export interface ReturnLinePayload extends SkuQuantity {
  readonly disposition: ReturnDisposition;
  readonly refund: Money;
  /**
   * Cost of one unit in the refund's currency (integer minor units, at least 0), as it left
   * inventory at the sale: the ledger moves cost of goods back to inventory (SELLABLE) or to
   * shrinkage (DAMAGED) at this value. Optional only for compatibility; the ledger dead-letters a
   * return without it.
   */
  readonly unitCostMinor?: number;
}

/** A return opened on an order: its units are claimed (no longer returnable), nothing is refunded or received yet. */
export interface ReturnRequested extends OrderAttribution {
  readonly returnId: string;
  /** The order's customer; absent for an anonymous till sale. */
  readonly customerId?: string;
  readonly reason: string;
  readonly lines: readonly (SkuQuantity & { readonly lineNumber: number })[];
}

export interface ReturnReceived extends OrderAttribution {
  readonly returnId: string;
  /** Where the goods came back (may differ from where the order was sold). */
  readonly receivedAtLocationId: string;
  readonly lines: readonly ReturnLinePayload[];
}

export interface ReturnCompleted {
  readonly returnId: string;
  readonly orderId: string;
  readonly refunded: Money;
  readonly orderStatus: Extract<OrderStatus, 'PARTIALLY_RETURNED' | 'RETURNED'>;
}
