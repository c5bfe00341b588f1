import type { QueryFilter } from 'mongoose';
import { identifier, pageSize, type Principal } from '@mesh/server-kit';
import { requireCapability } from '../access.js';
import type { InventoryModels } from '../models/index.js';
import type { MovementRecord } from '../models/stock-movement.model.js';

/** A till sale flagged for a cycle count, and the count that settled it, if any yet. */
export interface StockExceptionView {
  readonly movement: MovementRecord;
  readonly unitsBeyondStock: number;
  readonly countedBy: MovementRecord | null;
}

/**
 * Till sales that sold more than inventory had on record (newest first, at most `first`, 1 to
 * 100), optionally at one location, each with the first cycle count of its SKU there applied at or
 * after the sale (null while the SKU still needs counting). Needs stock:read-movements. Two reads:
 * the flagged sales (a partial index holds only them) and their counts (by SKU and location).
 */
export async function listStockExceptions(
  models: InventoryModels,
  principal: Principal,
  args: { locationId?: string | null; first?: number | null },
): Promise<StockExceptionView[]> {
  requireCapability(principal, 'stock:read-movements');
  const first = pageSize(args.first);
  const filter: QueryFilter<MovementRecord> = { unitsBeyondStock: { $gt: 0 }, status: 'APPLIED' };
  if (args.locationId != null) filter.locationId = identifier(args.locationId, 'locationId');
  const sales = await models.movements.find(filter).sort({ occurredAt: -1, _id: -1 }).limit(first).lean<MovementRecord[]>();
  if (sales.length === 0) return [];
  const counts = await models.movements
    .find({
      type: 'CYCLE_COUNT',
      status: 'APPLIED',
      $or: sales.map((sale) => ({ sku: sale.sku, locationId: sale.locationId, occurredAt: { $gte: sale.occurredAt } })),
    })
    .sort({ occurredAt: 1, _id: 1 })
    .lean<MovementRecord[]>();
  return sales.map((sale) => ({
    movement: sale,
    unitsBeyondStock: sale.unitsBeyondStock ?? 0,
    countedBy: counts.find((count) => count.sku === sale.sku && count.locationId === sale.locationId && count.occurredAt >= sale.occurredAt) ?? null,
  }));
}
