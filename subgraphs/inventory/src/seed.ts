import { retailDataset, type SeedVariant } from '@mesh/seed-data';
import type { Logger } from '@mesh/server-kit';
import type { InventoryModels } from './models/index.js';
import type { SkuRecord, UnitCost } from './models/sku.model.js';
import type { StockLevelRecord } from './models/stock-level.model.js';
import type { MovementRecord } from './models/stock-movement.model.js';
import { settlePendingMovements } from './services/settle-movement.service.js';

const CHUNK = 5_000;

interface Insertable<T> {
  estimatedDocumentCount(): PromiseLike<number>;
  insertMany(docs: T[], options: { lean: true }): Promise<unknown>;
}

/**
 * Loads inventory's slice of the seed data set into each empty collection (locations, known
 * SKUs with their unit costs, stock levels with free/atp computed, the applied movement log),
 * gives unit costs to SKUs seeded before they had any, then settles movements a crash left
 * PENDING. Runs at every start-up.
 */
export async function seedInventory(models: InventoryModels, logger: Logger): Promise<void> {
  const started = Date.now();
  // Generated only for a collection that is empty: on a kept database (every start after the
  // first) the whole data set cost each service about half a second of CPU for nothing.
  const data = () => retailDataset();
  const now = new Date();
  // Independent collections: loading them side by side keeps the embedded server's cores busy.
  const [locations, skus, levels, movements] = await Promise.all([
    seedIfEmpty(models.locations, () => data().locations.map(({ id, ...rest }) => ({ _id: id, ...rest }))),
    seedIfEmpty(models.skus, () =>
      data().variants.map((variant): SkuRecord => ({ _id: variant.sku, productId: variant.productId, unitCosts: unitCostsOf(variant), createdAt: now })),
    ),
    seedIfEmpty(models.levels, () =>
      data().stockLevels.map((level): StockLevelRecord => ({
        ...level,
        free: level.onHand - level.reserved,
        atp: level.onHand - level.reserved - level.safetyStock,
        decisions: [],
        updatedAt: now,
      })),
    ),
    seedIfEmpty(models.movements, () =>
      data().movements.map(({ id, quantityDelta, orderId, ...rest }): MovementRecord => ({
        _id: id,
        ...rest,
        quantity: Math.abs(quantityDelta),
        quantityDelta,
        status: 'APPLIED',
        orderId: orderId ?? null,
        recordedBy: null,
        level: null,
      })),
    ),
  ]);
  const costed = skus === 0 ? await backfillUnitCosts(models, () => data().variants) : 0;
  if (locations + skus + levels + movements + costed > 0) {
    logger.info({ locations, skus, levels, movements, costed, ms: Date.now() - started }, 'inventory seeded');
  }
  await settlePendingMovements(models, logger);
}

function unitCostsOf(variant: SeedVariant): UnitCost[] {
  return variant.unitCosts.map(({ currency, amountMinor }) => ({ currency, amountMinor }));
}

/**
 * SKUs seeded before inventory knew unit costs get them from the catalog (only where none are
 * set), so that their movements are valued. Returns how many it updated.
 */
async function backfillUnitCosts(models: InventoryModels, variants: () => readonly SeedVariant[]): Promise<number> {
  const uncosted = { unitCosts: { $exists: false } };
  if (!(await models.skus.exists(uncosted))) return 0;
  const result = await models.skus.bulkWrite(
    variants().map((variant) => ({ updateOne: { filter: { _id: variant.sku, ...uncosted }, update: { $set: { unitCosts: unitCostsOf(variant) } } } })),
    { ordered: false },
  );
  return result.modifiedCount;
}

async function seedIfEmpty<T>(model: Insertable<T>, build: () => T[]): Promise<number> {
  if ((await model.estimatedDocumentCount()) > 0) return 0;
  const docs = build();
  for (let start = 0; start < docs.length; start += CHUNK) await model.insertMany(docs.slice(start, start + CHUNK), { lean: true });
  return docs.length;
}
