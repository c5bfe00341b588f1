import type { Connection } from 'mongoose';
import { registerLocationModel, type LocationModel } from './location.model.js';
import { registerSkuModel, type SkuModel } from './sku.model.js';
import { registerStockLevelModel, type StockLevelModel } from './stock-level.model.js';
import { registerStockMovementModel, type StockMovementModel } from './stock-movement.model.js';

/** The inventory database: its collections, each with its indexes. */
export interface InventoryModels {
  readonly locations: LocationModel;
  readonly skus: SkuModel;
  readonly levels: StockLevelModel;
  readonly movements: StockMovementModel;
}

export function createInventoryModels(connection: Connection): InventoryModels {
  return {
    locations: registerLocationModel(connection),
    skus: registerSkuModel(connection),
    levels: registerStockLevelModel(connection),
    movements: registerStockMovementModel(connection),
  };
}
