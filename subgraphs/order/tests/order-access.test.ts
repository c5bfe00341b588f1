import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { retailDataset } from '@mesh/seed-data';
import { principals } from '@mesh/test-kit';
import {
  busiestCustomers,
  CUSTOMER_ORDERS,
  customerRef,
  errorCode,
  PAGE_FIELDS,
  startOrderTestBed,
  type OrderTestBed,
  type PageResult,
} from './order-harness.js';

let bed: OrderTestBed;
const [customerA, customerB] = busiestCustomers() as [string, string];
const ordersOf = (customerId: string) => retailDataset().orders.filter((order) => order.customerId === customerId);
const orderOfA = ordersOf(customerA)[0]!;
const orderOfB = ordersOf(customerB)[0]!;
const ORDER = 'query($id: ID!) { order(id: $id) { id number customer { id } } }';

before(async () => {
  bed = await startOrderTestBed();
});
after(async () => {
  await bed?.stop();
});

describe('order access', () => {
  test('an anonymous caller gets UNAUTHENTICATED for every kind of order data', async () => {
    const { subgraph } = bed;
    const anonymous = principals.anonymous;
    const responses = await Promise.all([
      subgraph.request(ORDER, { id: orderOfA.id }, anonymous),
      subgraph.request('query($n: String!) { orderByNumber(number: $n) { id } }', { n: orderOfA.number }, anonymous),
      subgraph.request(`{ orders { ${PAGE_FIELDS} } }`, {}, anonymous),
      subgraph.request(CUSTOMER_ORDERS, { r: [customerRef(customerA)] }, anonymous),
      subgraph.request(
        'query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id } } }',
        { r: [{ __typename: 'Order', id: orderOfA.id }] },
        anonymous,
      ),
    ]);
    for (const response of responses) assert.equal(errorCode(response), 'UNAUTHENTICATED');
    assert.equal(
      responses.some((response) => JSON.stringify(response.data ?? {}).includes('ord_')),
      false,
    );
  });

  test("a customer reads their own order but gets FORBIDDEN for another customer's order", async () => {
    const asA = principals.customer(customerA);
    const own = await bed.subgraph.request<{ order: { id: string; customer: { id: string } } }>(ORDER, { id: orderOfA.id }, asA);
    assert.equal(own.errors, undefined);
    assert.equal(own.data?.order.customer.id, customerA);
    const foreign = await bed.subgraph.request(ORDER, { id: orderOfB.id }, asA);
    assert.equal(errorCode(foreign), 'FORBIDDEN');
    assert.equal(foreign.data?.['order'], null);
    const byNumber = await bed.subgraph.request('query($n: String!) { orderByNumber(number: $n) { id } }', { n: orderOfB.number }, asA);
    assert.equal(errorCode(byNumber), 'FORBIDDEN');
    const entity = await bed.subgraph.request(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id } } }',
      { r: [{ __typename: 'Order', id: orderOfB.id }] },
      asA,
    );
    assert.equal(errorCode(entity), 'FORBIDDEN');
  });

  test('a customer listing orders only ever sees their own, whatever customerId the filter names', async () => {
    const asA = principals.customer(customerA);
    for (const filter of [{}, { customerId: customerB }]) {
      const response = await bed.subgraph.request<{ orders: PageResult }>(
        `query($f: OrderFilter) { orders(filter: $f, first: 100) { ${PAGE_FIELDS} } }`,
        { f: filter },
        asA,
      );
      assert.equal(response.errors, undefined);
      assert.equal(response.data?.orders.totalCount, ordersOf(customerA).length);
      assert.deepEqual(new Set(response.data?.orders.edges.map((edge) => edge.node.customer.id)), new Set([customerA]));
    }
  });

  test('a customer sees Customer.orders for themself and gets FORBIDDEN for another customer', async () => {
    const asA = principals.customer(customerA);
    const own = await bed.subgraph.request<{ _entities: { orders: PageResult }[] }>(CUSTOMER_ORDERS, { r: [customerRef(customerA)], first: 50 }, asA);
    assert.equal(own.errors, undefined);
    assert.deepEqual(
      own.data?._entities[0]?.orders.edges.map((edge) => edge.node.id).sort(),
      ordersOf(customerA)
        .map((order) => order.id)
        .sort(),
    );
    const foreign = await bed.subgraph.request(CUSTOMER_ORDERS, { r: [customerRef(customerB)] }, asA);
    assert.equal(errorCode(foreign), 'FORBIDDEN');
  });

  test("associates, analysts and admins read any customer's orders", async () => {
    for (const principal of [principals.associate, principals.analyst, principals.admin]) {
      const single = await bed.subgraph.request<{ order: { id: string } }>(ORDER, { id: orderOfB.id }, principal);
      assert.equal(single.data?.order.id, orderOfB.id, principal.role);
      const listed = await bed.subgraph.request<{ orders: PageResult }>(`{ orders(first: 1) { ${PAGE_FIELDS} } }`, {}, principal);
      assert.equal(listed.data?.orders.totalCount, retailDataset().orders.length, principal.role);
      const nested = await bed.subgraph.request<{ _entities: { orders: PageResult }[] }>(
        CUSTOMER_ORDERS,
        { r: [customerRef(customerA), customerRef(customerB)] },
        principal,
      );
      assert.equal(nested.errors, undefined, principal.role);
      assert.deepEqual(
        nested.data?._entities.map((entity) => entity.orders.totalCount),
        [ordersOf(customerA).length, ordersOf(customerB).length],
      );
    }
  });

  test('an unknown order id or number is null, not an error, for any signed-in caller', async () => {
    for (const principal of [principals.customer(customerA), principals.analyst]) {
      const response = await bed.subgraph.request('{ order(id: "ord_99999") { id } orderByNumber(number: "R-999999") { id } }', {}, principal);
      assert.equal(response.errors, undefined);
      assert.deepEqual(response.data, { order: null, orderByNumber: null });
    }
  });
});
