import { retailDataset, type SeedOrder } from '@mesh/seed-data';
import { startTestDatabase, startTestSubgraph, untilDatabaseQuiet, type TestSubgraph } from '@mesh/test-kit';
import type { RunningDatabase } from '@mesh/embedded-mongo';
import { createOrderSubgraph } from '../src/module.js';
import { insertSeededOrderFixtures } from './fixtures/seeded-orders.js';

/**
 * The order subgraph with its relay's timer out of the way (these tests count the read path's
 * database commands; writes still poke the relay), and the plan's orders inserted as fixture
 * documents at start-up, so that reads have thousands of orders to page through.
 */
export const quietOrderSubgraph = { ...createOrderSubgraph({ relayIntervalMs: 600_000, kpiIntervalMs: 600_000 }), seed: insertSeededOrderFixtures };

/** An order subgraph holding the fixture orders, on its own database, for one test file. */
export interface OrderTestBed {
  readonly database: RunningDatabase;
  readonly subgraph: TestSubgraph;
  stop(): Promise<void>;
}

export async function startOrderTestBed(): Promise<OrderTestBed> {
  const database = await startTestDatabase();
  const subgraph = await startTestSubgraph(quietOrderSubgraph, { mongoUri: database.uri });
  // Counting tests must not see the relay's first pass or the consumers' start-up.
  await untilDatabaseQuiet(subgraph.url);
  return {
    database,
    subgraph,
    async stop() {
      await subgraph.close();
      await database.stop();
    },
  };
}

/** The seeded orders, newest first with the id as tie-break: the order every listing promises. */
export function seededNewestFirst(predicate: (order: SeedOrder) => boolean = () => true): SeedOrder[] {
  return retailDataset()
    .orders.filter(predicate)
    .sort((a, b) => b.placedAt.getTime() - a.placedAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

/** Customers with the most seeded orders first; [0] and [1] are two different customers with several orders. */
export function busiestCustomers(): string[] {
  const counts = new Map<string, number>();
  for (const order of retailDataset().orders) counts.set(order.customerId, (counts.get(order.customerId) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([id]) => id);
}

export { dbCommands } from '@mesh/test-kit';

export function errorCode(response: { errors?: ReadonlyArray<{ extensions?: Record<string, unknown> }> | undefined }): unknown {
  return response.errors?.[0]?.extensions?.['code'];
}

/** A page of a connection as the tests select it. */
export interface PageResult {
  edges: { cursor: string; node: { id: string; customer: { id: string } } }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}

export const PAGE_FIELDS = 'edges { cursor node { id customer { id } } } pageInfo { hasNextPage endCursor } totalCount';

export const CUSTOMER_ORDERS = `query($r: [_Any!]!, $first: Int, $after: String) {
  _entities(representations: $r) { ... on Customer { id orders(first: $first, after: $after) { ${PAGE_FIELDS} } } }
}`;

export const customerRef = (id: string) => ({ __typename: 'Customer', id });
