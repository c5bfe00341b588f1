import { retailDataset } from '@mesh/seed-data';
import type { Logger } from '@mesh/server-kit';
import type { CustomerModels } from './models/index.js';

const CHUNK = 1000;

/** Loads the customer slice of the seed data set (2,000 customers, 60 duplicate pairs unmerged) when the collection is empty. */
export async function seedCustomers(models: CustomerModels, logger: Logger): Promise<void> {
  if ((await models.customers.estimatedDocumentCount()) > 0) return;
  const started = performance.now();
  const records = retailDataset().customers.map(({ id, ...rest }) => ({ _id: id, ...rest }));
  for (let start = 0; start < records.length; start += CHUNK) {
    await models.customers.insertMany(records.slice(start, start + CHUNK), { lean: true });
  }
  logger.info({ customers: records.length, ms: Math.round(performance.now() - started) }, 'customers seeded');
}
