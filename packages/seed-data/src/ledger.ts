import { completedAt } from './orders.js';
import type { Currency, SeedAccount, SeedJournalEntry, SeedLocation, SeedOrder, SeedVariant } from './types.js';

/** The chart of accounts. Codes are what postings and reports refer to. */
export const CHART_OF_ACCOUNTS: readonly SeedAccount[] = [
  { code: '1000', name: 'Cash and bank', type: 'ASSET' },
  { code: '1100', name: 'Card payments clearing', type: 'ASSET' },
  { code: '1300', name: 'Inventory', type: 'ASSET' },
  { code: '2050', name: 'Goods received not invoiced', type: 'LIABILITY' },
  { code: '2100', name: 'Sales tax and VAT payable', type: 'LIABILITY' },
  { code: '2200', name: 'Refunds payable', type: 'LIABILITY' },
  { code: '3000', name: 'Owner equity', type: 'EQUITY' },
  { code: '4000', name: 'Sales revenue', type: 'REVENUE' },
  { code: '4100', name: 'Sales returns', type: 'REVENUE' },
  { code: '5000', name: 'Cost of goods sold', type: 'EXPENSE' },
  { code: '5100', name: 'Inventory shrinkage and damage', type: 'EXPENSE' },
  { code: '5200', name: 'Payment processing fees', type: 'EXPENSE' },
  { code: '5300', name: 'Chargeback losses', type: 'EXPENSE' },
];

/**
 * The ledger's seeded master data: one opening-inventory entry per currency (Dr 1300 inventory,
 * Cr 3000 equity) valuing every opening receipt at cost, so account 1300 equals inventory's seeded
 * on hand at cost. Everything after it (captures, cost of goods, refunds) is posted by the ledger's
 * consumers while the history driver replays the order plan through the workflows.
 */
export function generateJournal(
  openingDate: Date,
  variants: readonly SeedVariant[],
  locations: readonly SeedLocation[],
  receipts: ReadonlyMap<string, number>,
): SeedJournalEntry[] {
  const costOf = unitCostIndex(variants);
  const currencyOfLocation = new Map(locations.map((location) => [location.id, location.currency]));
  const openingValue = new Map<Currency, number>();
  for (const [key, quantity] of receipts) {
    const [sku, locationId] = key.split('|') as [string, string];
    const currency = currencyOfLocation.get(locationId) ?? 'USD';
    openingValue.set(currency, (openingValue.get(currency) ?? 0) + quantity * (costOf.get(`${sku}|${currency}`) ?? 0));
  }
  return [...openingValue].map(([currency, value]) => ({
    id: `je_open_${currency.toLowerCase()}`,
    postedAt: openingDate,
    memo: `Opening inventory value (${currency})`,
    source: { type: 'OPENING_BALANCE', id: `opening-${currency}` },
    currency,
    correlationId: 'seed-opening-stock',
    lines: [
      { accountCode: '1300', debitMinor: value, creditMinor: 0 },
      { accountCode: '3000', debitMinor: 0, creditMinor: value },
    ],
  }));
}

function unitCostIndex(variants: readonly SeedVariant[]): Map<string, number> {
  const costOf = new Map<string, number>();
  for (const variant of variants) {
    for (const cost of variant.unitCosts) costOf.set(`${variant.sku}|${cost.currency}`, cost.amountMinor);
  }
  return costOf;
}

/**
 * TEST FIXTURE ONLY: the capture and cost-of-goods entries the ledger would post for each completed
 * order of the plan, for subgraph tests that read a ledger with history without running the
 * workflows. The product never loads these; its history comes from the workflows.
 */
export function orderPostingsFixture(orders: readonly SeedOrder[], variants: readonly SeedVariant[]): SeedJournalEntry[] {
  const costOf = unitCostIndex(variants);
  const entries: SeedJournalEntry[] = [];
  for (const order of orders) {
    if (order.status !== 'COMPLETED') continue;
    const postedAt = completedAt(order);
    const common = {
      postedAt,
      currency: order.currency,
      correlationId: order.correlationId,
      orderId: order.id,
      customerId: order.customerId,
      channel: order.channel,
      locationId: order.fulfillment.locationId,
    };
    entries.push({
      ...common,
      id: `je_${order.id}_capture`,
      memo: `Payment captured for order ${order.number}`,
      source: { type: 'ORDER_CAPTURED', id: order.id },
      lines: [
        { accountCode: '1100', debitMinor: order.totals.totalMinor, creditMinor: 0 },
        { accountCode: '4000', debitMinor: 0, creditMinor: order.totals.subtotalMinor },
        { accountCode: '2100', debitMinor: 0, creditMinor: order.totals.taxMinor },
      ],
    });
    const cost = order.lines.reduce((sum, line) => sum + line.quantity * (costOf.get(`${line.sku}|${order.currency}`) ?? 0), 0);
    entries.push({
      ...common,
      id: `je_${order.id}_cogs`,
      memo: `Cost of goods for order ${order.number}`,
      source: { type: 'ORDER_FULFILLED', id: order.id },
      lines: [
        { accountCode: '5000', debitMinor: cost, creditMinor: 0 },
        { accountCode: '1300', debitMinor: 0, creditMinor: cost },
      ],
    });
  }
  return entries;
}
