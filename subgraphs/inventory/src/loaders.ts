import DataLoader from 'dataloader';
import { loaderOptions } from '@mesh/server-kit';
import type { LocationDirectory } from './location-directory.js';
import type { InventoryModels } from './models/index.js';
import type { LocationRecord } from './models/location.model.js';
import type { SkuRecord } from './models/sku.model.js';
import { LEVEL_PROJECTION, snapshotOf, type LevelSnapshot } from './models/stock-level.model.js';

/** Every stock level of one SKU (all locations, ordered by location id) and when they were read. */
export interface SkuLevels {
  readonly sku: string;
  readonly asOf: Date;
  readonly levels: readonly LevelSnapshot[];
}

/** Per-request loaders: every entity and list field of this subgraph reads through these. */
export interface InventoryLoaders {
  /** Reads through the process's LocationDirectory: remembered locations cost no query. */
  readonly locationById: DataLoader<string, LocationRecord | null>;
  readonly skuById: DataLoader<string, SkuRecord | null>;
  /** All SKUs asked for in one tick cost one query; a location filter is applied by the caller in memory. */
  readonly levelsBySku: DataLoader<string, SkuLevels>;
}

// One batch for 200 SKUs at a few dozen locations, so a page of levels never needs a getMore.
const LEVELS_BATCH_SIZE = 20_000;

export function createInventoryLoaders(models: InventoryModels, locations: LocationDirectory): InventoryLoaders {
  return {
    locationById: new DataLoader((ids) => locations.byIds(ids), loaderOptions()),
    skuById: new DataLoader(async (skus) => {
      const rows = await models.skus.find({ _id: { $in: [...skus] } }).lean<SkuRecord[]>();
      const bySku = new Map(rows.map((row) => [row._id, row]));
      return skus.map((sku) => bySku.get(sku) ?? null);
    }, loaderOptions()),
    levelsBySku: new DataLoader(async (skus) => {
      const asOf = new Date();
      const rows = await models.levels
        .find({ sku: { $in: [...skus] } }, LEVEL_PROJECTION)
        .batchSize(LEVELS_BATCH_SIZE)
        .lean<LevelSnapshot[]>();
      const grouped = new Map<string, LevelSnapshot[]>();
      for (const row of rows) grouped.set(row.sku, [...(grouped.get(row.sku) ?? []), snapshotOf(row)]);
      return skus.map((sku) => ({
        sku,
        asOf,
        levels: (grouped.get(sku) ?? []).sort((a, b) => (a.locationId < b.locationId ? -1 : a.locationId > b.locationId ? 1 : 0)),
      }));
    }, loaderOptions()),
  };
}
