import { isDuplicateKey } from '@mesh/events';
import { retailDataset } from '@mesh/seed-data';
import type { Logger } from '@mesh/server-kit';
import type { ProductModels } from './models/index.js';
import { priceListId, type PriceListRecord } from './pricing/price-list.model.js';
import { seedPromotions } from './pricing/seed-pricing.js';

/** When the seeded default prices took effect: they are the catalog's opening price lists. */
const SEEDED_FROM = new Date('2020-01-01T00:00:00Z');

/**
 * Loads the catalog slice of the seed data set when the catalog is empty: products, variants, and
 * one default price list (any channel) per variant and currency, open-ended and already announced,
 * and a few promotions and a coupon (pricing/seed-pricing.ts).
 */
export async function seedCatalog(models: ProductModels, logger: Logger): Promise<void> {
  if ((await models.products.estimatedDocumentCount()) > 0) return;
  const data = retailDataset();
  const recordedAt = new Date();
  const priceLists: PriceListRecord[] = data.variants.flatMap((variant) =>
    variant.prices.map((price) => ({
      _id: priceListId({ sku: variant.sku, currency: price.currency }),
      sku: variant.sku,
      currency: price.currency,
      periods: [
        { amountMinor: price.amountMinor, from: SEEDED_FROM, key: `seed:${variant.sku}:${price.currency}`, recordedAt, recordedBy: 'seed', announced: true },
      ],
      revision: 1,
    })),
  );
  // Products last: a seed interrupted before them runs again, and skips what it inserted already.
  await insertMissing(models.priceLists.insertMany(priceLists, { lean: true, ordered: false }));
  await insertMissing(
    models.variants.insertMany(
      data.variants.map(({ sku, prices: _prices, ...rest }) => ({ _id: sku, ...rest })),
      { lean: true, ordered: false },
    ),
  );
  const promotions = await seedPromotions(models, recordedAt);
  await models.products.insertMany(
    data.products.map(({ id, ...rest }) => ({ _id: id, ...rest })),
    { lean: true },
  );
  logger.info({ products: data.products.length, variants: data.variants.length, priceLists: priceLists.length, promotions }, 'catalog seeded');
}

/** An unordered insert that tolerates documents already there (duplicate keys). */
async function insertMissing(insert: Promise<unknown>): Promise<void> {
  await insert.catch((error: unknown) => {
    if (!isDuplicateKey(error)) throw error;
  });
}
