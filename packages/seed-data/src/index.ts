import { generateCatalog } from './catalog.js';
import { generateCustomers } from './customers.js';
import { CHART_OF_ACCOUNTS, generateJournal, orderPostingsFixture } from './ledger.js';
import { generateLocations } from './locations.js';
import { generateOrders, planAftercare } from './orders.js';
import { SeededRandom } from './random.js';
import { generateStock } from './stock.js';
import type { RetailDataset } from './types.js';

export * from './types.js';
export { CHART_OF_ACCOUNTS } from './ledger.js';
export { completedAt } from './orders.js';
export { TAX_RATE_BASIS_POINTS, taxOf } from './orders.js';
/** The data set's seeded generator, for tests and benchmarks that need a reproducible mix. */
export { SeededRandom } from './random.js';

/** The instant the seed history ends: every seeded order was placed in the year before it. */
export const SEED_EPOCH = new Date('2026-11-01T00:00:00.000Z');
/** When the opening stock was received and valued. */
export const OPENING_DATE = new Date('2025-10-01T00:00:00.000Z');
const SEED = 20261101;

let cached: RetailDataset | undefined;

/**
 * The retail data set, identical on every machine and every call. Master data, which each domain
 * seeds directly into its own database: 200 products with 1,000 variants priced in USD and EUR,
 * 25 locations, the opening stock at each (with its RECEIPT movements), 2,000 customers (60
 * duplicate pairs to merge), the chart of accounts and the opening-inventory journal entries.
 * History, which nothing seeds directly: `orders` is the plan of 5,000 orders (with their planned
 * outcome, returns and goodwill refunds) that the history driver replays through the workflows,
 * so seeded history obeys every invariant by construction.
 */
export function retailDataset(): RetailDataset {
  cached ??= generateRetailDataset();
  return cached;
}

/** Builds the data set afresh (retailDataset() memoises this). */
export function generateRetailDataset(): RetailDataset {
  // Separate streams per domain so that changing one generator does not reshuffle the others.
  const { products, variants } = generateCatalog(new SeededRandom(SEED), SEED_EPOCH);
  const locations = generateLocations();
  const customers = generateCustomers(new SeededRandom(SEED + 1), SEED_EPOCH);
  const orders = generateOrders(new SeededRandom(SEED + 2), SEED_EPOCH, customers, variants, locations);
  planAftercare(new SeededRandom(SEED + 4), orders);
  const { stockLevels, movements, receipts } = generateStock(new SeededRandom(SEED + 3), OPENING_DATE, variants, locations, orders);
  const journalEntries = generateJournal(OPENING_DATE, variants, locations, receipts);
  return { products, variants, locations, stockLevels, movements, customers, orders, accounts: [...CHART_OF_ACCOUNTS], journalEntries };
}

/**
 * TEST FIXTURE ONLY: the capture and cost-of-goods postings of the plan's completed orders, for
 * subgraph tests that need a ledger with history without running the workflows.
 */
export function orderPostingsOfPlan(): ReturnType<typeof orderPostingsFixture> {
  const data = retailDataset();
  return orderPostingsFixture(data.orders, data.variants);
}
