import type { OrderRecord } from '../models/order.model.js';

// What placeOrder answers with (the OrderPlaced / OrderRejected mappers of codegen.yml).

export interface OrderPlacedResult {
  readonly kind: 'placed';
  readonly order: OrderRecord;
}
export interface OrderRejectedResult {
  readonly kind: 'rejected';
  readonly order: OrderRecord;
  readonly reason: NonNullable<OrderRecord['rejection']>['reason'];
  readonly shortages: readonly { sku: string; requested: number; available: number }[];
}
export type PlaceOrderResult = OrderPlacedResult | OrderRejectedResult;

/** The result an order answers with, as it stands now. */
export function resultOf(order: OrderRecord): PlaceOrderResult {
  if (order.status === 'REJECTED' && order.rejection) {
    return {
      kind: 'rejected',
      order,
      reason: order.rejection.reason,
      shortages: order.rejection.shortages.map((shortage) => ({ sku: shortage.sku, requested: shortage.quantity, available: shortage.available })),
    };
  }
  return { kind: 'placed', order };
}
