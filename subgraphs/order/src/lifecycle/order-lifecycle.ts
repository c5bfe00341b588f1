import type { FulfillmentType, OrderStatus } from '../__generated__/schema-types.js';

/** The lifecycle commands that move an order after it was decided. */
export type OrderCommand = 'ship' | 'markReadyForPickup' | 'confirmPickup' | 'cancel';

export interface TransitionRule {
  /** The statuses the command may start from. */
  readonly from: readonly OrderStatus[];
  /** The status the command moves the order to. */
  readonly to: OrderStatus;
  /** Goods leave stock here: the status change carries `fulfillment`, the payment is captured, and the order then becomes COMPLETED. */
  readonly fulfils: boolean;
  /** The fulfilment types the command applies to (all when absent). */
  readonly types?: readonly FulfillmentType[];
}

/**
 * THE transition table of the order lifecycle after placement (placement itself: PLACED, then
 * PENDING while inventory has not answered, then CONFIRMED or REJECTED, decided by inventory's events).
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderCommand, TransitionRule>> = {
  ship: { from: ['CONFIRMED'], to: 'SHIPPED', fulfils: true, types: ['SHIP', 'SHIP_FROM_STORE'] },
  markReadyForPickup: { from: ['CONFIRMED'], to: 'READY_FOR_PICKUP', fulfils: false, types: ['PICKUP_IN_STORE'] },
  confirmPickup: { from: ['READY_FOR_PICKUP'], to: 'PICKED_UP', fulfils: true, types: ['PICKUP_IN_STORE'] },
  cancel: { from: ['PLACED', 'PENDING', 'CONFIRMED', 'READY_FOR_PICKUP'], to: 'CANCELLED', fulfils: false },
};

/** Statuses inventory's decision may move (to CONFIRMED or REJECTED). */
export const AWAITING_STOCK: readonly OrderStatus[] = ['PLACED', 'PENDING'];
