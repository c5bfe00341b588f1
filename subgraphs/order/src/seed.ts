import { retailDataset, type SeedOrder } from '@mesh/seed-data';
import type { Logger } from '@mesh/server-kit';
import type { OrderModels } from './models/index.js';
import { orderAmountProblems } from './models/order-amounts.js';
import type { OrderRecord } from './models/order.model.js';

const CHUNK_SIZE = 1000;

/**
 * Loads the order slice of the seed data set when the order collection is empty. The orders
 * are checked against the amount rules first, because lean inserts skip mongoose validation.
 */
export async function seedOrders(models: OrderModels, logger: Logger): Promise<void> {
  if ((await models.orders.estimatedDocumentCount()) > 0) return;
  const started = performance.now();
  const records = retailDataset().orders.map(toRecord);
  for (const record of records) {
    const problems = orderAmountProblems(record);
    if (problems.length > 0) throw new Error(`seed order ${record._id} is inconsistent: ${problems.join('; ')}`);
  }
  for (let start = 0; start < records.length; start += CHUNK_SIZE) {
    await models.orders.insertMany(records.slice(start, start + CHUNK_SIZE), { lean: true });
  }
  logger.info({ orders: records.length, ms: Math.round(performance.now() - started) }, 'orders seeded');
}

function toRecord({ id, lines, statusHistory, ...rest }: SeedOrder): OrderRecord {
  return {
    _id: id,
    ...rest,
    lines: lines.map((line, index) => ({ lineNumber: index + 1, ...line })),
    // The seed writes only statuses of the OrderStatus enum.
    statusHistory: statusHistory.map((change) => ({ ...change, status: change.status as OrderRecord['status'] })),
  };
}
