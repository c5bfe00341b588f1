import type { CurrencyCode } from '@mesh/server-kit';
import type { InventoryModels } from '../models/index.js';
import type { LocationRecord } from '../models/location.model.js';
import type { SkuRecord } from '../models/sku.model.js';

/** What one unit moved is worth: the SKU's unit cost in the location's currency. */
export interface MovementValuation {
  readonly unitCostMinor: number;
  readonly currency: CurrencyCode;
}

/**
 * Values a movement of `sku` at `locationId`: the SKU's unit cost in the location's currency.
 * Null when either is unknown or the SKU has no cost in that currency; the movement is then
 * applied all the same and its event carries no valuation (the ledger dead-letters it visibly).
 */
export async function valueMovement(models: InventoryModels, sku: string, locationId: string): Promise<MovementValuation | null> {
  const [location, record] = await Promise.all([
    models.locations.findById(locationId, { currency: 1 }).lean<Pick<LocationRecord, 'currency'>>(),
    models.skus.findById(sku, { unitCosts: 1 }).lean<Pick<SkuRecord, 'unitCosts'>>(),
  ]);
  if (!location || !record) return null;
  const cost = (record.unitCosts ?? []).find((candidate) => candidate.currency === location.currency);
  return cost ? { unitCostMinor: cost.amountMinor, currency: location.currency } : null;
}
