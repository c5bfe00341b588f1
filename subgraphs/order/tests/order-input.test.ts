import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { retailDataset } from '@mesh/seed-data';
import { principals } from '@mesh/test-kit';
import type { OrderModel } from '../src/models/order.model.js';
import { busiestCustomers, CUSTOMER_ORDERS, customerRef, errorCode, startOrderTestBed, type OrderTestBed } from './order-harness.js';

let bed: OrderTestBed;

before(async () => {
  bed = await startOrderTestBed();
});
after(async () => {
  await bed?.stop();
});

const ORDERS = 'query($f: OrderFilter, $first: Int, $after: String) { orders(filter: $f, first: $first, after: $after) { edges { node { id } } totalCount } }';
const cursorOf = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

describe('order input guards', () => {
  test('a page size of 0 or 1000 is BAD_USER_INPUT for Query.orders and Customer.orders', async () => {
    for (const first of [0, -1, 1000]) {
      assert.equal(errorCode(await bed.subgraph.request(ORDERS, { first }, principals.analyst)), 'BAD_USER_INPUT', `orders first ${first}`);
      const nested = await bed.subgraph.request(CUSTOMER_ORDERS, { r: [customerRef(busiestCustomers()[0]!)], first }, principals.analyst);
      assert.equal(errorCode(nested), 'BAD_USER_INPUT', `Customer.orders first ${first}`);
    }
  });

  test('malformed cursors are BAD_USER_INPUT', async () => {
    const malformed = [
      'not a cursor!',
      cursorOf('garbage'),
      cursorOf('yesterday|ord_00001'),
      cursorOf('2026-01-01T00:00:00.000Z'),
      cursorOf('2026-01-01T00:00:00.000Z|{"$gt":""}'),
      cursorOf('2026-01-01T00:00:00.000Z|'),
      'A'.repeat(10_000),
    ];
    for (const after of malformed) {
      assert.equal(errorCode(await bed.subgraph.request(ORDERS, { after }, principals.analyst)), 'BAD_USER_INPUT', after.slice(0, 40));
      const nested = await bed.subgraph.request(CUSTOMER_ORDERS, { r: [customerRef(busiestCustomers()[0]!)], after }, principals.analyst);
      assert.equal(errorCode(nested), 'BAD_USER_INPUT', after.slice(0, 40));
    }
  });

  test('a filter holding a 1 MB string is BAD_USER_INPUT, whichever field carries it', async () => {
    const huge = 'x'.repeat(1_000_000);
    for (const field of ['customerId', 'locationId', 'correlationId', 'placedFrom']) {
      const response = await bed.subgraph.request(ORDERS, { f: { [field]: huge } }, principals.analyst);
      assert.equal(response.status === 413, false, 'the request must reach the resolver');
      assert.equal(errorCode(response), 'BAD_USER_INPUT', field);
    }
  });

  test('operator-shaped, dotted and inverted filter values are BAD_USER_INPUT', async () => {
    const filters = [
      { customerId: '$where' },
      { customerId: '{"$ne": null}' },
      { locationId: 'a.b$c' },
      { placedFrom: 'not a date' },
      { placedFrom: '2026-03-01T00:00:00.000Z', placedTo: '2026-02-01T00:00:00.000Z' },
      { channel: 'TELEPHONE' },
    ];
    for (const f of filters) assert.equal(errorCode(await bed.subgraph.request(ORDERS, { f }, principals.analyst)), 'BAD_USER_INPUT', JSON.stringify(f));
    const ids = ['$gt', '', 'x'.repeat(129)];
    for (const id of ids) {
      const response = await bed.subgraph.request('query($id: ID!) { order(id: $id) { id } }', { id }, principals.analyst);
      assert.equal(errorCode(response), 'BAD_USER_INPUT', id.slice(0, 10));
    }
  });

  test('an unknown order id is null without an error, and a filter that matches nothing is an empty page', async () => {
    const unknown = await bed.subgraph.request('{ order(id: "ord_00000") { id } }', {}, principals.associate);
    assert.deepEqual(unknown, { status: 200, data: { order: null } });
    const empty = await bed.subgraph.request<{ orders: { edges: unknown[]; totalCount: number } }>(
      ORDERS,
      { f: { customerId: 'cus_99999' } },
      principals.associate,
    );
    assert.equal(empty.errors, undefined);
    assert.deepEqual(empty.data?.orders, { edges: [], totalCount: 0 });
  });

  test('an order whose amounts are not safe integers or do not add up is refused by the model and nothing is stored', async () => {
    const orders = bed.subgraph.connection.models['Order'] as OrderModel;
    const { id: _id, lines, ...seeded } = retailDataset().orders[0]!;
    const valid = { ...seeded, lines: lines.map((line, index) => ({ ...line, lineNumber: index + 1 })), statusHistory: [] };
    const line = valid.lines[0]!;
    const broken = [
      { ...valid, lines: [{ ...line, unitPriceMinor: line.unitPriceMinor + 0.5 }, ...valid.lines.slice(1)] },
      { ...valid, totals: { ...valid.totals, totalMinor: valid.totals.totalMinor + 1 } },
      { ...valid, totals: { ...valid.totals, subtotalMinor: 2 ** 53 } },
      { ...valid, payment: { ...valid.payment, capturedMinor: valid.totals.totalMinor + 1 } },
      { ...valid, lines: [] },
    ];
    for (const [index, order] of broken.entries()) {
      const key = `broken-${index}`;
      await assert.rejects(orders.create({ ...order, _id: key, number: key, idempotencyKey: key }), { name: 'ValidationError' }, key);
      assert.equal(await orders.countDocuments({ _id: key }), 0);
    }
    await orders.create({ ...valid, _id: 'valid-copy', number: 'valid-copy', idempotencyKey: 'valid-copy' });
    assert.equal(await orders.countDocuments({ _id: 'valid-copy' }), 1);
    await orders.deleteOne({ _id: 'valid-copy' });
  });
});
