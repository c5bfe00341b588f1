import DataLoader from 'dataloader';
import type { QueryFilter } from 'mongoose';
import type { OrderModels } from './models/index.js';
import type { OrderRecord } from './models/order.model.js';
import { afterCursor, NEWEST_FIRST, type OrderCursor } from './services/order-connection.js';

/** One customer's page request: which customer, how many orders, after which position. */
export interface CustomerOrdersKey {
  readonly customerId: string;
  readonly first: number;
  readonly after?: OrderCursor | undefined;
}

/** Per-request loaders: every entity and list field of this subgraph reads through these. */
export interface OrderLoaders {
  readonly orderById: DataLoader<string, OrderRecord | null>;
  readonly orderByNumber: DataLoader<string, OrderRecord | null>;
  /** Up to `first + 1` of the customer's orders after the cursor, newest first (the extra one tells a next page exists). */
  readonly ordersByCustomer: DataLoader<CustomerOrdersKey, OrderRecord[], string>;
  /** How many orders each customer has in all. */
  readonly orderCountByCustomer: DataLoader<string, number>;
}

/** Customers per database command when many customer representations arrive at once. */
const MAX_CUSTOMERS_PER_BATCH = 100;

export function createOrderLoaders(models: OrderModels): OrderLoaders {
  const orderById = new DataLoader<string, OrderRecord | null>(async (ids) => {
    const rows = await models.orders.find({ _id: { $in: [...ids] } }).lean<OrderRecord[]>();
    const byId = new Map(rows.map((row) => [row._id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  });
  const orderByNumber = new DataLoader<string, OrderRecord | null>(async (numbers) => {
    const rows = await models.orders.find({ number: { $in: [...numbers] } }).lean<OrderRecord[]>();
    const byNumber = new Map(rows.map((row) => [row.number, row]));
    return numbers.map((number) => byNumber.get(number) ?? null);
  });
  const ordersByCustomer = new DataLoader<CustomerOrdersKey, OrderRecord[], string>(
    async (keys) => {
      const pages = new Map<string, OrderRecord[]>();
      await Promise.all(
        rounds(keys).map(async (round) => {
          const newest = await newestOrdersPerCustomer(models, round);
          for (const key of round) pages.set(cacheKeyOf(key), (newest.get(key.customerId) ?? []).slice(0, key.first + 1));
        }),
      );
      for (const row of [...pages.values()].flat()) orderById.prime(row._id, row);
      return keys.map((key) => pages.get(cacheKeyOf(key)) ?? []);
    },
    { cacheKeyFn: cacheKeyOf, maxBatchSize: MAX_CUSTOMERS_PER_BATCH },
  );
  const orderCountByCustomer = new DataLoader<string, number>(
    async (customerIds) => {
      const counts = await models.orders.aggregate<{ _id: string; count: number }>([
        { $match: { customerId: { $in: [...customerIds] } } },
        { $group: { _id: '$customerId', count: { $sum: 1 } } },
      ]);
      const byCustomer = new Map(counts.map((row) => [row._id, row.count]));
      return customerIds.map((id) => byCustomer.get(id) ?? 0);
    },
    { maxBatchSize: MAX_CUSTOMERS_PER_BATCH },
  );
  return { orderById, orderByNumber, ordersByCustomer, orderCountByCustomer };
}

function cacheKeyOf(key: CustomerOrdersKey): string {
  return `${key.customerId}|${key.first}|${key.after ? `${key.after.placedAt.toISOString()}|${key.after.id}` : ''}`;
}

/**
 * Splits a batch so that each customer appears at most once per round. A normal request asks
 * for every customer with the same page arguments and is one round; only aliases asking for the
 * same customer at different positions add rounds.
 */
function rounds(keys: readonly CustomerOrdersKey[]): CustomerOrdersKey[][] {
  const result: CustomerOrdersKey[][] = [];
  for (const key of keys) {
    const round = result.find((candidate) => !candidate.some((other) => other.customerId === key.customerId));
    if (round) round.push(key);
    else result.push([key]);
  }
  return result;
}

/**
 * One aggregate for all the customers of a round: their orders after each one's cursor, newest
 * first, grouped per customer and cut to the largest page asked for plus one.
 */
async function newestOrdersPerCustomer(models: OrderModels, keys: readonly CustomerOrdersKey[]): Promise<Map<string, OrderRecord[]>> {
  const limit = Math.max(...keys.map((key) => key.first)) + 1;
  const fromStart = keys.filter((key) => !key.after).map((key) => key.customerId);
  const branches: QueryFilter<OrderRecord>[] = keys.flatMap((key) => (key.after ? [{ customerId: key.customerId, ...afterCursor(key.after) }] : []));
  if (fromStart.length > 0) branches.push({ customerId: { $in: fromStart } });
  const groups = await models.orders.aggregate<{ _id: string; orders: OrderRecord[] }>([
    { $match: branches.length === 1 ? branches[0]! : { $or: branches } },
    { $sort: { customerId: 1, ...NEWEST_FIRST } },
    // $push keeps the sorted order; on MongoDB 5.2+ $topN would bound the group's memory as well.
    { $group: { _id: '$customerId', orders: { $push: '$$ROOT' } } },
    { $project: { orders: { $slice: ['$orders', limit] } } },
  ]);
  return new Map(groups.map((group) => [group._id, group.orders]));
}
