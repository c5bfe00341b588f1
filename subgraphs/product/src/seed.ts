import { retailDataset } from '@mesh/seed-data';
import type { Logger } from '@mesh/server-kit';
import type { ProductModels } from './models/index.js';

/** Loads the catalog slice of the seed data set when the catalog is empty. */
export async function seedCatalog(models: ProductModels, logger: Logger): Promise<void> {
  if ((await models.products.estimatedDocumentCount()) > 0) return;
  const data = retailDataset();
  await models.products.insertMany(data.products.map(({ id, ...rest }) => ({ _id: id, ...rest })), { lean: true });
  await models.variants.insertMany(data.variants.map(({ sku, ...rest }) => ({ _id: sku, ...rest })), { lean: true });
  logger.info({ products: data.products.length, variants: data.variants.length }, 'catalog seeded');
}
