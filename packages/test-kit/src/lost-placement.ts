import { createEnvelope, type OrderPlaced } from '@mesh/events';

/** Where and how a one-line web order of SKU-0001-03 was placed. */
export interface WebOrderFixture {
  readonly orderId: string;
  readonly orderNumber: string;
  /** The warehouse the order ships from. */
  readonly locationId?: string;
}

const usd = (minorUnits: number) => ({ minorUnits, currency: 'USD' as const });

/** The order-placed payload of one unit of SKU-0001-03 at 50.99 USD plus 4.08 tax, shipped from a warehouse. */
export function webOrderPlaced({ orderId, orderNumber, locationId = 'loc_wh_nj' }: WebOrderFixture): OrderPlaced {
  return {
    orderId,
    orderNumber,
    channel: 'WEB',
    locationId,
    fulfillment: { type: 'SHIP', locationId },
    lines: [{ lineNumber: 1, sku: 'SKU-0001-03', quantity: 1, unitPrice: usd(5099), tax: usd(408), lineTotal: usd(5507) }],
    subtotal: usd(5099),
    tax: usd(408),
    total: usd(5507),
    status: 'PLACED',
  };
}

/**
 * The poison event of the dead-letter tests: the order's shipment, published while its placement never
 * reached inventory or the ledger. The placement comes back too, so a test can deliver it as the fix.
 */
export function shipmentWithLostPlacement(fixture: WebOrderFixture & { readonly correlationId: string }) {
  const { orderId, correlationId, locationId = 'loc_wh_nj' } = fixture;
  const placed = createEnvelope('order.order-placed', webOrderPlaced(fixture), { correlationId, idempotencyKey: `order:${orderId}:placed` });
  const shipped = createEnvelope(
    'order.order-status-changed',
    {
      orderId,
      from: 'CONFIRMED',
      to: 'SHIPPED',
      fulfillment: { type: 'SHIP', channel: 'WEB', locationId, currency: 'USD', lines: [{ sku: 'SKU-0001-03', quantity: 1, unitCostMinor: 2295 }] },
    },
    { causedBy: placed, idempotencyKey: `order:${orderId}:status:SHIPPED` },
  );
  return { placed, shipped };
}
