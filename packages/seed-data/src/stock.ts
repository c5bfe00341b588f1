import { SeededRandom } from './random.js';
import { completedAt } from './orders.js';
import type { SeedLocation, SeedMovement, SeedOrder, SeedStockLevel, SeedVariant } from './types.js';

const ON_HAND_RANGE = { STORE: [0, 20], WAREHOUSE: [20, 200], DISTRIBUTION_CENTER: [100, 500] } as const;
const SAFETY_STOCK = { STORE: 1, WAREHOUSE: 5, DISTRIBUTION_CENTER: 10 } as const;

/**
 * Stock at every (SKU, location) and the movement log that explains it: one opening receipt of
 * what is on hand now plus everything sold since, then one sale movement per fulfilled line.
 */
export function generateStock(
  random: SeededRandom,
  openingDate: Date,
  variants: readonly SeedVariant[],
  locations: readonly SeedLocation[],
  orders: readonly SeedOrder[],
): { stockLevels: SeedStockLevel[]; movements: SeedMovement[]; receipts: Map<string, number> } {
  const sold = new Map<string, number>();
  const sales: SeedMovement[] = [];
  for (const order of orders) {
    if (order.status !== 'COMPLETED') continue;
    order.lines.forEach((line, lineIndex) => {
      const key = `${line.sku}|${order.fulfillment.locationId}`;
      sold.set(key, (sold.get(key) ?? 0) + line.quantity);
      sales.push({
        id: `mov_${order.id}_${lineIndex + 1}`,
        idempotencyKey: `seed-sale-${order.id}-${lineIndex + 1}`,
        sku: line.sku,
        locationId: order.fulfillment.locationId,
        type: 'SALE',
        quantityDelta: -line.quantity,
        occurredAt: completedAt(order),
        reason: `Order ${order.number}`,
        correlationId: order.correlationId,
        orderId: order.id,
      });
    });
  }
  const stockLevels: SeedStockLevel[] = [];
  const receiptMovements: SeedMovement[] = [];
  const receipts = new Map<string, number>();
  for (const location of locations) {
    const [min, max] = ON_HAND_RANGE[location.type];
    for (const variant of variants) {
      const key = `${variant.sku}|${location.id}`;
      const onHand = random.int(min, max);
      const received = onHand + (sold.get(key) ?? 0);
      stockLevels.push({ sku: variant.sku, locationId: location.id, onHand, reserved: 0, inTransit: 0, safetyStock: SAFETY_STOCK[location.type] });
      if (received === 0) continue;
      receipts.set(key, received);
      receiptMovements.push({
        id: `mov_open_${location.code}_${variant.sku}`,
        idempotencyKey: `seed-receipt-${location.code}-${variant.sku}`,
        sku: variant.sku,
        locationId: location.id,
        type: 'RECEIPT',
        quantityDelta: received,
        occurredAt: openingDate,
        reason: 'Opening stock',
        correlationId: 'seed-opening-stock',
      });
    }
  }
  return { stockLevels, movements: [...receiptMovements, ...sales], receipts };
}
