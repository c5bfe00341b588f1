import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { retailDataset } from '@mesh/seed-data';
import { principals } from '@mesh/test-kit';
import { busiestCustomers, customerRef, dbCommands, startOrderTestBed, type OrderTestBed } from './order-harness.js';

let bed: OrderTestBed;

before(async () => {
  bed = await startOrderTestBed();
});
after(async () => {
  await bed?.stop();
});

const CUSTOMER_ORDERS_DEEP = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id
  orders(first: 3) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id number customer { id } totals { total { amount } } lines { variant { sku } } } } } } } }`;

interface CustomerOrdersResult {
  _entities: { id: string; orders: { totalCount: number; edges: { node: { customer: { id: string } } }[] } }[];
}

/** Sends the operation and returns the database commands it cost. */
async function commandsFor(
  query: string,
  variables: Record<string, unknown>,
): Promise<{ commands: number; response: Awaited<ReturnType<typeof bed.subgraph.request<CustomerOrdersResult>>> }> {
  const before = await dbCommands(bed.subgraph);
  const response = await bed.subgraph.request<CustomerOrdersResult>(query, variables, principals.analyst);
  return { commands: (await dbCommands(bed.subgraph)) - before, response };
}

describe('order batching', () => {
  test('Customer.orders for 10 and for 50 customer representations costs the same three database commands', async () => {
    const customers = busiestCustomers();
    const counts = new Map<string, number>();
    for (const order of retailDataset().orders) counts.set(order.customerId, (counts.get(order.customerId) ?? 0) + 1);
    const costs: number[] = [];
    for (const size of [10, 50]) {
      const ids = customers.slice(100, 100 + size);
      const { commands, response } = await commandsFor(CUSTOMER_ORDERS_DEEP, { r: ids.map(customerRef) });
      assert.equal(response.errors, undefined);
      assert.equal(response.data?._entities.length, size);
      for (const [index, entity] of response.data!._entities.entries()) {
        assert.equal(entity.id, ids[index]);
        assert.equal(entity.orders.totalCount, counts.get(entity.id));
        assert.equal(entity.orders.edges.length, Math.min(3, counts.get(entity.id) ?? 0));
        assert.ok(entity.orders.edges.every((edge) => edge.node.customer.id === entity.id));
      }
      costs.push(commands);
    }
    // One query for the merged ids of every customer, one aggregate for every page, one for every count.
    assert.deepEqual(costs, [3, 3]);
  });

  test('a customer with no orders gets an empty page in the same batch', async () => {
    const { commands, response } = await commandsFor(CUSTOMER_ORDERS_DEEP, { r: [customerRef('cus_99998'), customerRef(busiestCustomers()[0]!)] });
    assert.equal(commands, 3);
    assert.equal(response.data?._entities[0]?.orders.totalCount, 0);
    assert.deepEqual(response.data?._entities[0]?.orders.edges, []);
    assert.ok((response.data?._entities[1]?.orders.edges.length ?? 0) > 0);
  });

  test('200 order references through _entities cost one database command', async () => {
    const ids = retailDataset()
      .orders.slice(0, 200)
      .map((order) => order.id);
    const { commands, response } = await commandsFor(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id status totals { total { amount } } } } }',
      {
        r: ids.map((id) => ({ __typename: 'Order', id })),
      },
    );
    assert.equal(response.errors, undefined);
    assert.equal(response.data?._entities.length, 200);
    assert.equal(commands, 1);
  });
});
