import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateRetailDataset, retailDataset } from '../src/index.js';

test('the data set has the promised size and shape', () => {
  const data = retailDataset();
  assert.equal(data.products.length, 200);
  assert.equal(data.variants.length, 1000);
  assert.equal(data.locations.length, 25);
  assert.equal(data.stockLevels.length, 25_000);
  assert.equal(data.customers.length, 2000);
  assert.equal(data.orders.length, 5000);
  assert.deepEqual(new Set(data.locations.map((l) => l.type)), new Set(['STORE', 'WAREHOUSE', 'DISTRIBUTION_CENTER']));
  assert.ok(data.variants.every((v) => v.prices.length === 2 && v.prices.every((p) => Number.isSafeInteger(p.amountMinor))));
});

test('skus, location codes, order numbers and customer ids are unique', () => {
  const data = retailDataset();
  assert.equal(new Set(data.variants.map((v) => v.sku)).size, data.variants.length);
  assert.equal(new Set(data.locations.map((l) => l.code)).size, data.locations.length);
  assert.equal(new Set(data.orders.map((o) => o.number)).size, data.orders.length);
  assert.equal(new Set(data.customers.map((c) => c.id)).size, data.customers.length);
});

test('some customers share an email across channels and are candidates to merge', () => {
  const emails = new Map<string, number>();
  for (const customer of retailDataset().customers) emails.set(customer.email, (emails.get(customer.email) ?? 0) + 1);
  assert.equal([...emails.values()].filter((count) => count === 2).length, 60);
});

test('every journal entry balances and captured orders post exactly their totals', () => {
  const data = retailDataset();
  for (const entry of data.journalEntries) {
    const debit = entry.lines.reduce((sum, line) => sum + line.debitMinor, 0);
    const credit = entry.lines.reduce((sum, line) => sum + line.creditMinor, 0);
    assert.equal(debit, credit, entry.id);
  }
  const captures = new Map(data.journalEntries.filter((e) => e.source.type === 'ORDER_CAPTURED').map((e) => [e.orderId, e]));
  for (const order of data.orders) {
    const capture = captures.get(order.id);
    if (order.status === 'CANCELLED') {
      assert.equal(capture, undefined);
      continue;
    }
    assert.equal(capture?.lines.find((l) => l.accountCode === '1100')?.debitMinor, order.totals.totalMinor);
  }
});

test('stock movements explain every on-hand level and nothing goes negative', () => {
  const data = retailDataset();
  const net = new Map<string, number>();
  for (const movement of data.movements) {
    const key = `${movement.sku}|${movement.locationId}`;
    net.set(key, (net.get(key) ?? 0) + movement.quantityDelta);
  }
  for (const level of data.stockLevels) {
    assert.equal(net.get(`${level.sku}|${level.locationId}`) ?? 0, level.onHand);
    assert.ok(level.onHand >= 0);
  }
});

test('two independent generations produce the identical data set', () => {
  const first = generateRetailDataset();
  const second = generateRetailDataset();
  assert.notEqual(first, second);
  assert.equal(JSON.stringify(first), JSON.stringify(second));
});
