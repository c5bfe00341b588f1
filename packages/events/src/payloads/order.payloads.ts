import type { FulfillmentType, Money, OrderStatus, SalesChannel, SkuQuantity } from './common.payloads.js';

export interface OrderLinePayload {
  readonly lineNumber: number;
  readonly sku: string;
  readonly quantity: number;
  readonly unitPrice: Money;
  readonly tax: Money;
  readonly lineTotal: Money;
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
  readonly customerId: string;
  readonly fulfillment: { readonly type: FulfillmentType; readonly locationId: string };
  readonly lines: readonly OrderLinePayload[];
  readonly subtotal: Money;
  readonly tax: Money;
  readonly total: Money;
  /** PLACED when stock was decided at once, PENDING while inventory was unreachable. */
  readonly status: Extract<OrderStatus, 'PLACED' | 'PENDING'>;
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
}

export interface OrderStatusChanged {
  readonly orderId: string;
  /** null for the first status of a new order. */
  readonly from: OrderStatus | null;
  readonly to: OrderStatus;
  readonly reason?: string;
}

export type OrderCancellationReason = 'CUSTOMER_REQUEST' | 'PICKUP_EXPIRED' | 'STORE_REQUEST';

export interface OrderCancelled {
  readonly orderId: string;
  readonly reason: OrderCancellationReason;
  readonly note?: string;
}

export interface PaymentAuthorized extends OrderAttribution {
  readonly paymentId: string;
  readonly amount: Money;
}

export interface PaymentCaptured extends OrderAttribution {
  readonly paymentId: string;
  /** This capture. */
  readonly amount: Money;
  /** Everything captured on the order so far, this capture included. */
  readonly capturedTotal: Money;
}

export interface PaymentRefunded extends OrderAttribution {
  readonly paymentId: string;
  readonly refundId: string;
  readonly returnId?: string;
  /** This refund. */
  readonly amount: Money;
  /** Everything refunded on the order so far, this refund included; never above captured. */
  readonly refundedTotal: Money;
}

export type ReturnDisposition = 'SELLABLE' | 'DAMAGED';

export interface ReturnLinePayload extends SkuQuantity {
  readonly disposition: ReturnDisposition;
  readonly refund: Money;
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
