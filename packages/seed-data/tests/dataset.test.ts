import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateRetailDataset, orderPostingsOfPlan, retailDataset } from '../src/index.js';

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

test('the seeded journal is only the opening inventory, valuing every opening receipt at cost', () => {
  const data = retailDataset();
  assert.deepEqual(
    data.journalEntries.map((entry) => entry.source.type),
    ['OPENING_BALANCE', 'OPENING_BALANCE'],
  );
  const currencyOf = new Map(data.locations.map((location) => [location.id, location.currency]));
  const costOf = new Map(data.variants.flatMap((variant) => variant.unitCosts.map((cost) => [`${variant.sku}|${cost.currency}`, cost.amountMinor] as const)));
  const expected = new Map<string, number>();
  for (const movement of data.movements) {
    assert.equal(movement.type, 'RECEIPT', 'no sale is seeded: sales happen through the workflows');
    const currency = currencyOf.get(movement.locationId)!;
    expected.set(currency, (expected.get(currency) ?? 0) + movement.quantityDelta * costOf.get(`${movement.sku}|${currency}`)!);
  }
  for (const entry of data.journalEntries) {
    const debit = entry.lines.reduce((sum, line) => sum + line.debitMinor, 0);
    const credit = entry.lines.reduce((sum, line) => sum + line.creditMinor, 0);
    assert.equal(debit, credit, entry.id);
    assert.equal(entry.lines.find((line) => line.accountCode === '1300')?.debitMinor, expected.get(entry.currency), entry.id);
  }
});

test('the fixture postings of the plan balance and post exactly the totals of completed orders', () => {
  const data = retailDataset();
  const postings = orderPostingsOfPlan();
  for (const entry of postings) {
    const debit = entry.lines.reduce((sum, line) => sum + line.debitMinor, 0);
    const credit = entry.lines.reduce((sum, line) => sum + line.creditMinor, 0);
    assert.equal(debit, credit, entry.id);
  }
  const captures = new Map(postings.filter((e) => e.source.type === 'ORDER_CAPTURED').map((e) => [e.orderId, e]));
  for (const order of data.orders) {
    const capture = captures.get(order.id);
    if (order.status === 'CANCELLED') {
      assert.equal(capture, undefined);
      continue;
    }
    assert.equal(capture?.lines.find((l) => l.accountCode === '1100')?.debitMinor, order.totals.totalMinor);
  }
});

test('replaying the whole plan never needs more than the opening stock above safety stock', () => {
  const data = retailDataset();
  const demand = new Map<string, number>();
  for (const order of data.orders) {
    for (const line of order.lines) {
      const key = `${line.sku}|${order.fulfillment.locationId}`;
      demand.set(key, (demand.get(key) ?? 0) + line.quantity);
    }
  }
  const levels = new Map(data.stockLevels.map((level) => [`${level.sku}|${level.locationId}`, level]));
  for (const [key, units] of demand) {
    const level = levels.get(key)!;
    assert.ok(level.onHand - level.safetyStock >= units, `${key}: ${units} planned, ${level.onHand} on hand`);
  }
});

test('a deterministic share of completed web orders is returned or refunded, never a till sale or a cancelled order', () => {
  const data = retailDataset();
  const returned = data.orders.filter((order) => order.returnPlan);
  const refunded = data.orders.filter((order) => order.goodwillRefundMinor !== undefined);
  assert.ok(returned.length > 100 && returned.length < 400, `${returned.length} returns`);
  assert.ok(refunded.length > 10 && refunded.length < 100, `${refunded.length} goodwill refunds`);
  for (const order of [...returned, ...refunded]) {
    assert.equal(order.status, 'COMPLETED');
    assert.notEqual(order.channel, 'POS');
    assert.equal(order.returnPlan !== undefined && order.goodwillRefundMinor !== undefined, false);
  }
  for (const order of returned) {
    for (const line of order.returnPlan!.lines) assert.ok(line.quantity >= 1 && line.quantity <= order.lines[line.lineNumber - 1]!.quantity);
  }
  assert.ok(
    returned.some(
      (order) => order.returnPlan!.lines.length === order.lines.length && order.returnPlan!.lines.every((l, i) => l.quantity === order.lines[i]!.quantity),
    ),
  );
});

test('two independent generations produce the identical data set', () => {
  const first = generateRetailDataset();
  const second = generateRetailDataset();
  assert.notEqual(first, second);
  assert.equal(JSON.stringify(first), JSON.stringify(second));
});
