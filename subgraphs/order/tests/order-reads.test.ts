import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { principals } from '@mesh/test-kit';
import {
  busiestCustomers,
  CUSTOMER_ORDERS,
  customerRef,
  PAGE_FIELDS,
  seededNewestFirst,
  startOrderTestBed,
  type OrderTestBed,
  type PageResult,
} from './order-harness.js';

let bed: OrderTestBed;

before(async () => {
  bed = await startOrderTestBed();
});
after(async () => {
  await bed?.stop();
});

interface MoneyResult {
  minorUnits: string;
  currency: string;
}
interface OrderAmountsResult {
  id: string;
  currency: string;
  lines: { quantity: number; unitPrice: MoneyResult; tax: MoneyResult; lineTotal: MoneyResult }[];
  totals: { subtotal: MoneyResult; tax: MoneyResult; total: MoneyResult };
}

const AMOUNTS = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id currency
  lines { quantity unitPrice { minorUnits currency } tax { minorUnits currency } lineTotal { minorUnits currency } }
  totals { subtotal { minorUnits currency } tax { minorUnits currency } total { minorUnits currency } } } } }`;

/** Follows `endCursor` until the last page, collecting node ids; fails on a repeated id. */
async function pageThrough(fetchPage: (after: string | null) => Promise<PageResult>): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let guard = 0; guard < 1000; guard++) {
    const page = await fetchPage(cursor);
    ids.push(...page.edges.map((edge) => edge.node.id));
    if (!page.pageInfo.hasNextPage) return ids;
    cursor = page.pageInfo.endCursor;
  }
  throw new Error('pagination did not end');
}

describe('order reads', () => {
  test('every seeded order totals the sum of its lines, and subtotal plus tax is the total', async () => {
    const seen = new Set<string>();
    const ids = seededNewestFirst().map((order) => order.id);
    for (let start = 0; start < ids.length; start += 1000) {
      const r = ids.slice(start, start + 1000).map((id) => ({ __typename: 'Order', id }));
      const response = await bed.subgraph.request<{ _entities: OrderAmountsResult[] }>(AMOUNTS, { r }, principals.analyst);
      assert.equal(response.errors, undefined);
      for (const order of response.data!._entities) {
        seen.add(order.id);
        const minor = (value: MoneyResult) => {
          assert.equal(value.currency, order.currency, order.id);
          return BigInt(value.minorUnits);
        };
        const subtotal = order.lines.reduce((sum, line) => sum + minor(line.unitPrice) * BigInt(line.quantity), 0n);
        const tax = order.lines.reduce((sum, line) => sum + minor(line.tax), 0n);
        for (const line of order.lines) assert.equal(minor(line.lineTotal), minor(line.unitPrice) * BigInt(line.quantity) + minor(line.tax), order.id);
        assert.equal(
          minor(order.totals.total),
          order.lines.reduce((sum, line) => sum + minor(line.lineTotal), 0n),
          order.id,
        );
        assert.equal(minor(order.totals.subtotal), subtotal, order.id);
        assert.equal(minor(order.totals.tax), tax, order.id);
        assert.equal(minor(order.totals.subtotal) + minor(order.totals.tax), minor(order.totals.total), order.id);
      }
    }
    assert.equal(seen.size, 5000);
  });

  test("one customer's orders page newest first without gaps or repeats, two at a time", async () => {
    const customerId = busiestCustomers()[0]!;
    const expected = seededNewestFirst((order) => order.customerId === customerId).map((order) => order.id);
    const ids = await pageThrough(async (after) => {
      const response = await bed.subgraph.request<{ _entities: { orders: PageResult }[] }>(
        CUSTOMER_ORDERS,
        { r: [customerRef(customerId)], first: 2, after },
        principals.customer(customerId),
      );
      assert.equal(response.errors, undefined);
      assert.equal(response.data!._entities[0]!.orders.totalCount, expected.length);
      return response.data!._entities[0]!.orders;
    });
    assert.ok(expected.length > 4);
    assert.deepEqual(ids, expected);
  });

  test('a filtered listing pages newest first without gaps or repeats, also across orders placed in the same minute', async () => {
    const from = new Date('2026-03-01T00:00:00.000Z');
    const to = new Date('2026-04-01T00:00:00.000Z');
    const filter = { channel: 'WEB', placedFrom: from.toISOString(), placedTo: to.toISOString() };
    const expected = seededNewestFirst((order) => order.channel === 'WEB' && order.placedAt >= from && order.placedAt < to).map((order) => order.id);
    const ids = await pageThrough(async (after) => {
      const response = await bed.subgraph.request<{ orders: PageResult }>(
        `query($f: OrderFilter, $after: String) { orders(filter: $f, first: 25, after: $after) { ${PAGE_FIELDS} } }`,
        { f: filter, after },
        principals.associate,
      );
      assert.equal(response.errors, undefined);
      assert.equal(response.data!.orders.totalCount, expected.length);
      return response.data!.orders;
    });
    assert.ok(expected.length > 100, `${expected.length} orders`);
    assert.deepEqual(ids, expected);

    // Orders sharing one placedAt are told apart by id: a page of one walks through each of them.
    const all = seededNewestFirst();
    const tied = all.find((order, index) => all[index + 1]?.placedAt.getTime() === order.placedAt.getTime())!;
    const instant = { placedFrom: tied.placedAt.toISOString(), placedTo: new Date(tied.placedAt.getTime() + 1).toISOString() };
    const tiedIds = await pageThrough(async (after) => {
      const response = await bed.subgraph.request<{ orders: PageResult }>(
        `query($f: OrderFilter, $after: String) { orders(filter: $f, first: 1, after: $after) { ${PAGE_FIELDS} } }`,
        { f: instant, after },
        principals.analyst,
      );
      return response.data!.orders;
    });
    assert.deepEqual(
      tiedIds,
      all.filter((order) => order.placedAt.getTime() === tied.placedAt.getTime()).map((order) => order.id),
    );
    assert.ok(tiedIds.length > 1);
  });

  test('an order is found by its number and by its correlation id, with its status history and fulfilment', async () => {
    const seeded = seededNewestFirst((order) => order.fulfillment.type === 'PICKUP_IN_STORE')[0]!;
    const response = await bed.subgraph.request<{
      orderByNumber: { id: string; status: string; fulfillment: { type: string; location: { id: string } }; statusHistory: { status: string }[] };
      orders: PageResult;
    }>(
      `query($n: String!, $c: String!) {
        orderByNumber(number: $n) { id status fulfillment { type location { id } } statusHistory { status at reason } }
        orders(filter: { correlationId: $c }) { ${PAGE_FIELDS} } }`,
      { n: seeded.number, c: seeded.correlationId },
      principals.associate,
    );
    assert.equal(response.errors, undefined);
    assert.equal(response.data?.orderByNumber.id, seeded.id);
    assert.deepEqual(response.data?.orderByNumber.fulfillment, { type: 'PICKUP_IN_STORE', location: { id: seeded.fulfillment.locationId } });
    assert.deepEqual(
      response.data?.orderByNumber.statusHistory.map((change) => change.status),
      seeded.statusHistory.map((change) => change.status),
    );
    assert.equal(response.data?.orderByNumber.status, seeded.statusHistory.at(-1)?.status);
    assert.deepEqual(
      response.data?.orders.edges.map((edge) => edge.node.id),
      [seeded.id],
    );
  });
});
