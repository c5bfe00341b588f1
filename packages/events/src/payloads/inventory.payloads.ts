import type { CurrencyCode, SkuQuantity } from './common.payloads.js';

export type MovementType = 'RECEIPT' | 'ADJUSTMENT_IN' | 'ADJUSTMENT_OUT' | 'DAMAGE' | 'CYCLE_COUNT' | 'SALE' | 'RETURN' | 'TRANSFER_OUT' | 'TRANSFER_IN';

/** One applied entry of the append-only movement log. */
export interface StockMovementRecorded {
  readonly movementId: string;
  readonly sku: string;
  readonly locationId: string;
  readonly movementType: MovementType;
  /** What was asked: units moved, or the counted on-hand for a cycle count. */
  readonly quantity: number;
  /** Signed change to on hand that was applied. */
  readonly quantityDelta: number;
  /** On hand right after this movement. */
  readonly onHandAfter: number;
  readonly orderId?: string;
  readonly transferId?: string;
  readonly returnId?: string;
  readonly reason?: string;
  /**
   * Version 2: what one unit of the SKU is valued at, in integer minor units of `currency`: the
   * SKU's unit cost in the location's currency when the movement was applied. The movement's value
   * is |quantityDelta| x unitCostMinor. The ledger posts inventory value from it.
   * Absent on version-1 events, and when inventory knows no cost for the SKU in that currency;
   * a consumer that values movements must treat such a movement as unvalued, never as free.
   */
  readonly unitCostMinor?: number;
  /** Version 2: the currency of `unitCostMinor` (the location's currency); present exactly when it is. */
  readonly currency?: CurrencyCode;
}

/** The quantities of one (SKU, location) after a change that moved its available-to-sell. */
export interface AvailabilityChanged {
  readonly sku: string;
  readonly locationId: string;
  readonly onHand: number;
  readonly reserved: number;
  readonly inTransit: number;
  readonly safetyStock: number;
  /** on hand - reserved - safety stock, never below zero. */
  readonly availableToSell: number;
  readonly previousAvailableToSell: number;
}

/** Stock held for an order at one location, all lines or none. */
export interface StockReserved {
  readonly reservationId: string;
  readonly orderId: string;
  readonly locationId: string;
  readonly lines: readonly SkuQuantity[];
  /** ISO 8601 instant after which the expiry job releases the reservation. */
  readonly expiresAt: string;
}

/** A reservation refused because at least one line was short; nothing stays reserved. */
export interface StockReservationRejected {
  readonly reservationId: string;
  readonly orderId: string;
  readonly locationId: string;
  /** Every line as asked. */
  readonly lines: readonly SkuQuantity[];
  /** Each short line with what was asked and what was available when it was decided (short = quantity - available). */
  readonly shortages: readonly (SkuQuantity & { readonly available: number })[];
}

export type ReservationReleaseReason = 'ORDER_CANCELLED' | 'ORDER_REJECTED' | 'EXPIRED';

/** A reservation given back to available-to-sell without a sale. */
export interface ReservationReleased {
  readonly reservationId: string;
  readonly orderId: string;
  readonly locationId: string;
  readonly lines: readonly SkuQuantity[];
  readonly reason: ReservationReleaseReason;
}

/** A reservation turned into sale movements at fulfilment. */
export interface ReservationCommitted {
  readonly reservationId: string;
  readonly orderId: string;
  readonly locationId: string;
  readonly lines: readonly SkuQuantity[];
  /** The SALE movements recorded for the lines, in line order. */
  readonly movementIds: readonly string[];
}
