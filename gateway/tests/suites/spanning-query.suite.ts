import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { principals } from '@mesh/test-kit';
import { CustomerOverviewDocument } from '../__generated__/operations.js';
import type { MeshUnderTest } from '../mesh-fixture.js';

const ORDER_CUSTOMERS = `query($after: String) { orders(first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { node { id customer { id } } } } }`;
const ORDERS_OF = `query($c: ID!) { orders(filter: { customerId: $c }, first: 20) { totalCount edges { node { id number status currency totals { total { minorUnits } } } } } }`;
const CUSTOMER = `query($id: ID!) { customer(id: $id) { name email } }`;
const AVAILABILITY = `query($skus: [ID!]!) { availability(skus: $skus) { sku levels { location { id } onHand reserved safetyStock available } } }`;
const PRODUCT = `query($sku: ID!) { variant(sku: $sku) { product { name } prices { minorUnits currency } } }`;

interface Level {
  location: { id: string };
  onHand: number;
  reserved: number;
  safetyStock: number;
  available: number;
}

export function spanningQuerySuite(mesh: () => MeshUnderTest): void {
  describe('one operation across all five subgraphs', () => {
    test('a customer with orders, lines, products, prices, availability, postings and lifetime value agrees with what each subgraph answers alone', async () => {
      // Discover a customer with at least three orders from the order listing.
      const counts = new Map<string, number>();
      let after: string | null = null;
      do {
        const page: {
          data?: { orders: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { node: { customer: { id: string } | null } }[] } } | null;
          errors?: unknown;
        } = await mesh().query(ORDER_CUSTOMERS, { after }, principals.admin);
        assert.equal(page.errors, undefined, JSON.stringify(page.errors));
        for (const { node } of page.data!.orders.edges) if (node.customer) counts.set(node.customer.id, (counts.get(node.customer.id) ?? 0) + 1);
        after = page.data!.orders.pageInfo.hasNextPage ? page.data!.orders.pageInfo.endCursor : null;
      } while (after);
      const customerId = [...counts].find(([, count]) => count >= 3 && count <= 20)?.[0];
      assert.ok(customerId, 'the history has a customer with at least three orders');

      const listed = await mesh().query<
        {
          orders: {
            totalCount: number;
            edges: { node: { id: string; number: string; status: string; currency: string; totals: { total: { minorUnits: string } } } }[];
          };
        },
        Record<string, unknown>
      >(ORDERS_OF, { c: customerId }, principals.admin);
      assert.equal(listed.errors, undefined, JSON.stringify(listed.errors));
      const ownOrders = listed.data!.orders;
      const profile = await mesh().query<{ customer: { name: string; email: string } }, Record<string, unknown>>(
        CUSTOMER,
        { id: customerId },
        principals.admin,
      );
      assert.equal(profile.errors, undefined, JSON.stringify(profile.errors));

      const response = await mesh().query(CustomerOverviewDocument, { id: customerId, first: 20 }, principals.admin);
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      const result = response.data?.customer;
      assert.ok(result);
      assert.equal(result.name, profile.data!.customer.name);
      assert.equal(result.email, profile.data!.customer.email);
      const orders = result.orders;
      assert.ok(orders, 'orders resolved');
      assert.equal(orders.totalCount, counts.get(customerId));
      assert.equal(orders.totalCount, ownOrders.totalCount);
      assert.deepEqual(
        orders.edges.map(({ node }) => [node.id, node.number, node.status, node.totals.total.minorUnits]),
        ownOrders.edges.map(({ node }) => [node.id, node.number, node.status, node.totals.total.minorUnits]),
      );

      // Availability as the inventory subgraph answers it on its own, for every SKU in the orders.
      const skus = [...new Set(orders.edges.flatMap(({ node }) => node.lines.map((line) => line.variant.sku)))];
      const stock = await mesh().query<{ availability: { sku: string; levels: Level[] }[] }, Record<string, unknown>>(AVAILABILITY, { skus }, principals.admin);
      assert.equal(stock.errors, undefined, JSON.stringify(stock.errors));
      const levels = new Map(stock.data!.availability.flatMap((entry) => entry.levels.map((level) => [`${entry.sku}|${level.location.id}`, level] as const)));

      const expectedLifetime = new Map<string, bigint>();
      let captured = 0;
      for (const { node: order } of orders.edges) {
        // Lines are priced before tax (unit price times quantity) and totalled with it.
        const subtotal = order.lines.reduce((sum, line) => sum + BigInt(line.unitPrice.minorUnits) * BigInt(line.quantity), 0n);
        const total = order.lines.reduce((sum, line) => sum + BigInt(line.lineTotal.minorUnits), 0n);
        assert.equal(subtotal.toString(), order.totals.subtotal.minorUnits, `${order.number} lines add up to its subtotal`);
        assert.equal(total.toString(), order.totals.total.minorUnits, `${order.number} lines add up to its total`);
        assert.equal((BigInt(order.totals.subtotal.minorUnits) + BigInt(order.totals.tax.minorUnits)).toString(), order.totals.total.minorUnits);
        for (const line of order.lines) {
          assert.equal(line.unitPrice.currency, order.currency);
          const alone = await mesh().query<
            { variant: { product: { name: string }; prices: { minorUnits: string; currency: string }[] } },
            Record<string, unknown>
          >(PRODUCT, { sku: line.variant.sku });
          assert.equal(alone.errors, undefined, JSON.stringify(alone.errors));
          assert.equal(line.variant.product.name, alone.data!.variant.product.name);
          assert.deepEqual(line.variant.prices, alone.data!.variant.prices);
          const availability = line.variant.availability;
          assert.ok(availability, 'availability resolved');
          assert.equal(availability.levels.length, 25);
          for (const level of availability.levels) {
            const own = levels.get(`${line.variant.sku}|${level.location.id}`);
            assert.ok(own, `${line.variant.sku} at ${level.location.id}`);
            assert.deepEqual([level.onHand, level.reserved, level.safetyStock, level.available], [own.onHand, own.reserved, own.safetyStock, own.available]);
            assert.equal(level.available, Math.max(0, level.onHand - level.reserved - level.safetyStock));
          }
          assert.equal(
            availability.available,
            availability.levels.reduce((sum, level) => sum + level.available, 0),
          );
        }
        assert.ok(order.journalEntries, 'journal entries resolved');
        const captures = order.journalEntries.filter((entry) => entry.source.type === 'ORDER_CAPTURED');
        if (['COMPLETED', 'PARTIALLY_RETURNED', 'RETURNED'].includes(order.status)) {
          captured += 1;
          assert.equal(captures.length, 1, `${order.number} has one capture`);
          assert.equal(captures[0]!.lines.find((posting) => posting.account.code === '1100')?.debit.minorUnits, order.totals.total.minorUnits);
        } else {
          assert.deepEqual(captures, [], `${order.number} (${order.status}) was not captured`);
        }
        // What the customer paid: what went into the clearing account less what left it (refunds).
        const paid = order.journalEntries
          .flatMap((entry) => entry.lines)
          .filter((posting) => posting.account.code === '1100')
          .reduce((sum, posting) => sum + BigInt(posting.debit.minorUnits) - BigInt(posting.credit.minorUnits), 0n);
        if (order.journalEntries.length > 0) expectedLifetime.set(order.currency, (expectedLifetime.get(order.currency) ?? 0n) + paid);
      }
      assert.ok(captured > 0, 'the customer has a captured order');
      assert.ok(result.lifetimeValue, 'lifetime value resolved');
      assert.deepEqual(
        new Map(result.lifetimeValue.map((value) => [value.currency, BigInt(value.minorUnits)] as const).filter(([, minor]) => minor !== 0n)),
        new Map([...expectedLifetime].filter(([, minor]) => minor !== 0n)),
      );
    });
  });
}
