import DataLoader from 'dataloader';
import { loaderOptions } from '@mesh/server-kit';
import type { QueryFilter } from 'mongoose';
import type { OrderModels } from './models/index.js';
import type { CustomerAliasRecord } from './models/customer-alias.model.js';
import type { OrderRecord } from './models/order.model.js';
import { afterCursor, NEWEST_FIRST, type OrderCursor } from './orders/order-connection.js';

/** One customer's page request: which customer, how many orders, after which position. */
export interface CustomerOrdersKey {
  readonly customerId: string;
  readonly first: number;
  readonly after?: OrderCursor | undefined;
}

/**
 * A customer as far as orders go: the golden record and every id merged into it (learnt from
 * customer.customers-merged). The orders of any of `customerIds` are the customer's orders.
 */
export interface CustomerGroup {
  /** The surviving record (the id asked for, unless that was merged away). */
  readonly customerId: string;
  /** The survivor first, then the ids merged into it. */
  readonly customerIds: readonly string[];
}

/** Per-request loaders: every entity and list field of this subgraph reads through these. */
export interface OrderLoaders {
  /** Each customer's group: one command for the batch, plus one when an id asked for was itself merged away. */
  readonly customerGroups: DataLoader<string, CustomerGroup>;
  readonly orderById: DataLoader<string, OrderRecord | null>;
  readonly orderByNumber: DataLoader<string, OrderRecord | null>;
  /** Up to `first + 1` of the customer's orders (merged ids included) after the cursor, newest first (the extra one tells a next page exists). */
  readonly ordersByCustomer: DataLoader<CustomerOrdersKey, OrderRecord[], string>;
  /** How many orders each customer has in all, merged ids included. */
  readonly orderCountByCustomer: DataLoader<string, number>;
}

/** Customers per database command when many customer representations arrive at once. */
const MAX_CUSTOMERS_PER_BATCH = 100;

export function createOrderLoaders(models: OrderModels): OrderLoaders {
  const orderById = new DataLoader<string, OrderRecord | null>(async (ids) => {
    const rows = await models.orders.find({ _id: { $in: [...ids] } }).lean<OrderRecord[]>();
    const byId = new Map(rows.map((row) => [row._id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  }, loaderOptions());
  const orderByNumber = new DataLoader<string, OrderRecord | null>(async (numbers) => {
    const rows = await models.orders.find({ number: { $in: [...numbers] } }).lean<OrderRecord[]>();
    const byNumber = new Map(rows.map((row) => [row.number, row]));
    return numbers.map((number) => byNumber.get(number) ?? null);
  }, loaderOptions());
  const customerGroups = new DataLoader<string, CustomerGroup>((ids) => loadCustomerGroups(models, ids), {
    ...loaderOptions(),
    maxBatchSize: MAX_CUSTOMERS_PER_BATCH,
  });
  const ordersByCustomer = new DataLoader<CustomerOrdersKey, OrderRecord[], string>(
    async (keys) => {
      const groups = await groupsOf(
        customerGroups,
        keys.map((key) => key.customerId),
      );
      const pages = new Map<string, OrderRecord[]>();
      await Promise.all(
        rounds(keys, groups).map(async (round) => {
          const newest = await newestOrdersPerCustomer(models, round, groups);
          for (const key of round) {
            const members = groups.get(key.customerId)!.customerIds;
            const rows = members.flatMap((id) => newest.get(id) ?? []).sort(newestFirst);
            pages.set(cacheKeyOf(key), rows.slice(0, key.first + 1));
          }
        }),
      );
      for (const row of [...pages.values()].flat()) orderById.prime(row._id, row);
      return keys.map((key) => pages.get(cacheKeyOf(key)) ?? []);
    },
    { ...loaderOptions(), cacheKeyFn: cacheKeyOf, maxBatchSize: MAX_CUSTOMERS_PER_BATCH },
  );
  const orderCountByCustomer = new DataLoader<string, number>(
    async (customerIds) => {
      const groups = await groupsOf(customerGroups, customerIds);
      const counts = await models.orders.aggregate<{ _id: string; count: number }>([
        { $match: { customerId: { $in: [...new Set([...groups.values()].flatMap((group) => group.customerIds))] } } },
        { $group: { _id: '$customerId', count: { $sum: 1 } } },
      ]);
      const byCustomer = new Map(counts.map((row) => [row._id, row.count]));
      return customerIds.map((id) => groups.get(id)!.customerIds.reduce((sum, member) => sum + (byCustomer.get(member) ?? 0), 0));
    },
    { ...loaderOptions(), maxBatchSize: MAX_CUSTOMERS_PER_BATCH },
  );
  return { customerGroups, orderById, orderByNumber, ordersByCustomer, orderCountByCustomer };
}

function cacheKeyOf(key: CustomerOrdersKey): string {
  return `${key.customerId}|${key.first}|${key.after ? `${key.after.placedAt.toISOString()}|${key.after.id}` : ''}`;
}

/**
 * The batch's groups (from the per-request cache when an earlier loader already asked), by the id
 * asked for. An Error for one id fails the whole batch: it means the alias store could not be read.
 */
async function groupsOf(loader: DataLoader<string, CustomerGroup>, ids: readonly string[]): Promise<Map<string, CustomerGroup>> {
  const unique = [...new Set(ids)];
  const groups = await loader.loadMany(unique);
  return new Map(
    unique.map((id, index) => {
      const group = groups[index];
      if (!group || group instanceof Error) throw group ?? new Error(`no customer group for ${id}`);
      return [id, group];
    }),
  );
}

/**
 * One query for every id asked and every id merged into one of them; a second only for ids that
 * were themselves merged away, to find the rest of their survivor's group.
 */
async function loadCustomerGroups(models: OrderModels, ids: readonly string[]): Promise<CustomerGroup[]> {
  const asked = new Set(ids);
  const rows = await models.customerAliases.find({ $or: [{ _id: { $in: [...asked] } }, { survivorId: { $in: [...asked] } }] }).lean<CustomerAliasRecord[]>();
  const survivorOf = new Map(rows.filter((row) => asked.has(row._id)).map((row) => [row._id, row.survivorId]));
  const elsewhere = [...new Set([...survivorOf.values()].filter((survivor) => !asked.has(survivor)))];
  if (elsewhere.length > 0) rows.push(...(await models.customerAliases.find({ survivorId: { $in: elsewhere } }).lean<CustomerAliasRecord[]>()));
  const merged = new Map<string, Set<string>>();
  for (const row of rows) merged.set(row.survivorId, (merged.get(row.survivorId) ?? new Set()).add(row._id));
  return ids.map((id) => {
    const customerId = survivorOf.get(id) ?? id;
    return { customerId, customerIds: [customerId, ...[...(merged.get(customerId) ?? [])].sort()] };
  });
}

/**
 * Splits a batch so that each customer (group) appears at most once per round. A normal request
 * asks for every customer with the same page arguments and is one round; only aliases asking for
 * the same customer at different positions add rounds.
 */
function rounds(keys: readonly CustomerOrdersKey[], groups: ReadonlyMap<string, CustomerGroup>): CustomerOrdersKey[][] {
  const result: CustomerOrdersKey[][] = [];
  const groupOf = (key: CustomerOrdersKey) => groups.get(key.customerId)!.customerId;
  for (const key of keys) {
    const round = result.find((candidate) => !candidate.some((other) => groupOf(other) === groupOf(key)));
    if (round) round.push(key);
    else result.push([key]);
  }
  return result;
}

/**
 * One aggregate for all the customers of a round: the orders of each one's ids after its cursor,
 * newest first, grouped per stored customer id and cut to the largest page asked for plus one
 * (enough for any group's page once its ids' lists are combined).
 */
async function newestOrdersPerCustomer(
  models: OrderModels,
  keys: readonly CustomerOrdersKey[],
  groups: ReadonlyMap<string, CustomerGroup>,
): Promise<Map<string, OrderRecord[]>> {
  const limit = Math.max(...keys.map((key) => key.first)) + 1;
  const membersOf = (key: CustomerOrdersKey) => [...groups.get(key.customerId)!.customerIds];
  const fromStart = [...new Set(keys.filter((key) => !key.after).flatMap(membersOf))];
  const branches: QueryFilter<OrderRecord>[] = keys.flatMap((key) => (key.after ? [{ customerId: { $in: membersOf(key) }, ...afterCursor(key.after) }] : []));
  if (fromStart.length > 0) branches.push({ customerId: { $in: fromStart } });
  const perCustomer = await models.orders.aggregate<{ _id: string; orders: OrderRecord[] }>([
    { $match: branches.length === 1 ? branches[0]! : { $or: branches } },
    { $sort: { customerId: 1, ...NEWEST_FIRST } },
    // $push keeps the sorted order; on MongoDB 5.2+ $topN would bound the group's memory as well.
    { $group: { _id: '$customerId', orders: { $push: '$$ROOT' } } },
    { $project: { orders: { $slice: ['$orders', limit] } } },
  ]);
  return new Map(perCustomer.map((row) => [row._id, row.orders]));
}

/** The NEWEST_FIRST order (placedAt desc, then _id desc) for rows combined in memory. */
function newestFirst(a: OrderRecord, b: OrderRecord): number {
  return b.placedAt.getTime() - a.placedAt.getTime() || (a._id < b._id ? 1 : a._id > b._id ? -1 : 0);
}
