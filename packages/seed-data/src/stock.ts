import type { SeededRandom } from './random.js';
import type { SeedLocation, SeedMovement, SeedOrder, SeedStockLevel, SeedVariant } from './types.js';

const ON_HAND_RANGE = { STORE: [0, 20], WAREHOUSE: [20, 200], DISTRIBUTION_CENTER: [100, 500] } as const;
const SAFETY_STOCK = { STORE: 1, WAREHOUSE: 5, DISTRIBUTION_CENTER: 10 } as const;

/**
 * The opening stock at every (SKU, location) and its receipt movements: a random shelf quantity,
 * plus, where the history plan sells or reserves the SKU there, every planned unit (completed and
 * cancelled orders) and the safety stock. Replaying any prefix of the plan through the workflows
 * therefore never runs short (no planned order is rejected) and leaves on hand at or above the
 * safety stock. Sales are not in this log: they happen through the workflows.
 */
export function generateStock(
  random: SeededRandom,
  openingDate: Date,
  variants: readonly SeedVariant[],
  locations: readonly SeedLocation[],
  orders: readonly SeedOrder[],
): { stockLevels: SeedStockLevel[]; movements: SeedMovement[]; receipts: Map<string, number> } {
  const demand = new Map<string, number>();
  for (const order of orders) {
    for (const line of order.lines) {
      const key = `${line.sku}|${order.fulfillment.locationId}`;
      demand.set(key, (demand.get(key) ?? 0) + line.quantity);
    }
  }
  const stockLevels: SeedStockLevel[] = [];
  const movements: SeedMovement[] = [];
  const receipts = new Map<string, number>();
  for (const location of locations) {
    const [min, max] = ON_HAND_RANGE[location.type];
    for (const variant of variants) {
      const key = `${variant.sku}|${location.id}`;
      const planned = demand.get(key) ?? 0;
      const safetyStock = SAFETY_STOCK[location.type];
      const onHand = random.int(min, max) + (planned > 0 ? planned + safetyStock : 0);
      stockLevels.push({ sku: variant.sku, locationId: location.id, onHand, reserved: 0, inTransit: 0, safetyStock });
      if (onHand === 0) continue;
      receipts.set(key, onHand);
      movements.push({
        id: `mov_open_${location.code}_${variant.sku}`,
        idempotencyKey: `seed-receipt-${location.code}-${variant.sku}`,
        sku: variant.sku,
        locationId: location.id,
        type: 'RECEIPT',
        quantityDelta: onHand,
        occurredAt: openingDate,
        reason: 'Opening stock',
        correlationId: 'seed-opening-stock',
      });
    }
  }
  return { stockLevels, movements, receipts };
}
