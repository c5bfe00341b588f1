import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { retailDataset } from '@mesh/seed-data';
import { principals } from '@mesh/test-kit';
import { CustomerOverviewDocument } from '../__generated__/operations.js';
import type { MeshUnderTest } from '../mesh-fixture.js';

export function spanningQuerySuite(mesh: () => MeshUnderTest): void {
  describe('one operation across all five subgraphs', () => {
    test('a customer with orders, lines, products, prices, availability, postings and lifetime value agrees with the seed data', async () => {
      const data = retailDataset();
      const customer = data.customers.find((candidate) => data.orders.filter((order) => order.customerId === candidate.id).length >= 3);
      assert.ok(customer, 'the seed has a customer with at least three orders');
      const seededOrders = data.orders.filter((order) => order.customerId === customer.id).sort((a, b) => b.placedAt.getTime() - a.placedAt.getTime());

      const response = await mesh().query(CustomerOverviewDocument, { id: customer.id, first: 20 }, principals.admin);
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      const result = response.data?.customer;
      assert.ok(result);
      assert.equal(result.name, customer.name);
      assert.equal(result.email, customer.email);
      const orders = result.orders;
      assert.ok(orders, 'orders resolved');
      assert.equal(orders.totalCount, seededOrders.length);
      assert.deepEqual(orders.edges.map((edge) => edge.node.number), seededOrders.slice(0, 20).map((order) => order.number));

      const products = new Map(data.products.map((product) => [product.id, product]));
      const variants = new Map(data.variants.map((variant) => [variant.sku, variant]));
      const levels = new Map(data.stockLevels.map((level) => [`${level.sku}|${level.locationId}`, level]));
      for (const { node: order } of orders.edges) {
        const seeded = seededOrders.find((candidate) => candidate.id === order.id);
        assert.ok(seeded);
        assert.equal(order.totals.total.minorUnits, String(seeded.totals.totalMinor));
        order.lines.forEach((line, index) => {
          const seededLine = seeded.lines[index];
          assert.ok(seededLine);
          const variant = variants.get(line.variant.sku);
          assert.ok(variant);
          assert.equal(line.variant.sku, seededLine.sku);
          assert.equal(line.variant.product.name, products.get(variant.productId)?.name);
          assert.equal(line.unitPrice.minorUnits, String(seededLine.unitPriceMinor));
          assert.deepEqual(
            line.variant.prices.map((price) => [price.currency, price.minorUnits]),
            variant.prices.map((price) => [price.currency, String(price.amountMinor)]),
          );
          const availability = line.variant.availability;
          assert.ok(availability, 'availability resolved');
          assert.equal(availability.levels.length, 25);
          for (const level of availability.levels) {
            const seededLevel = levels.get(`${line.variant.sku}|${level.location.id}`);
            assert.ok(seededLevel);
            assert.equal(level.onHand, seededLevel.onHand);
            assert.equal(level.available, Math.max(0, seededLevel.onHand - seededLevel.reserved - seededLevel.safetyStock));
          }
          assert.equal(availability.available, availability.levels.reduce((sum, level) => sum + level.available, 0));
        });
        assert.ok(order.journalEntries, 'journal entries resolved');
        const capture = order.journalEntries.find((entry) => entry.source.type === 'ORDER_CAPTURED');
        if (seeded.status === 'COMPLETED') {
          assert.equal(capture?.lines.find((posting) => posting.account.code === '1100')?.debit.minorUnits, String(seeded.totals.totalMinor));
        } else {
          assert.equal(capture, undefined);
        }
      }

      const expectedLifetime = new Map<string, number>();
      for (const order of seededOrders) {
        if (order.status === 'COMPLETED') expectedLifetime.set(order.currency, (expectedLifetime.get(order.currency) ?? 0) + order.totals.totalMinor);
      }
      assert.ok(result.lifetimeValue, 'lifetime value resolved');
      assert.deepEqual(
        new Map(result.lifetimeValue.map((value) => [value.currency, Number(value.minorUnits)])),
        expectedLifetime,
      );
    });
  });
}
