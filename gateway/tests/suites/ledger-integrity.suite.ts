import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { retailDataset } from '@mesh/seed-data';
import { principals } from '@mesh/test-kit';
import { OrdersWithPostingsDocument, TrialBalanceDocument, type OrdersWithPostingsQuery } from '../__generated__/operations.js';
import type { GatewayResponse, MeshUnderTest } from '../mesh-fixture.js';

export function ledgerIntegritySuite(mesh: () => MeshUnderTest): void {
  describe('the seeded ledger', () => {
    for (const currency of ['USD', 'EUR'] as const) {
      test(`the ${currency} trial balance is balanced and sums the seeded postings`, async () => {
        const response = await mesh().query(TrialBalanceDocument, { currency }, principals.analyst);
        assert.equal(response.errors, undefined, JSON.stringify(response.errors));
        const balance = response.data?.trialBalance;
        assert.ok(balance);
        assert.equal(balance.balanced, true);
        assert.equal(balance.totalDebit.minorUnits, balance.totalCredit.minorUnits);
        const seededDebit = retailDataset()
          .journalEntries.filter((entry) => entry.currency === currency)
          .flatMap((entry) => entry.lines)
          .reduce((sum, line) => sum + BigInt(line.debitMinor), 0n);
        assert.equal(balance.totalDebit.minorUnits, seededDebit.toString());
      });
    }

    test('every seeded order posts exactly its totals: captured orders once, cancelled orders never', async () => {
      const seen = new Set<string>();
      let after: string | null = null;
      do {
        const response: GatewayResponse<OrdersWithPostingsQuery> = await mesh().query(OrdersWithPostingsDocument, { first: 100, after }, principals.admin);
        assert.equal(response.errors, undefined, JSON.stringify(response.errors));
        const page = response.data!.orders;
        for (const { node: order } of page.edges) {
          seen.add(order.id);
          assertPostingsMatch(order);
        }
        after = page.pageInfo.hasNextPage ? (page.pageInfo.endCursor ?? null) : null;
      } while (after);
      assert.equal(seen.size, retailDataset().orders.length);
    });
  });
}

interface OrderWithPostings {
  id: string;
  status: string;
  totals: { subtotal: { minorUnits: string }; tax: { minorUnits: string }; total: { minorUnits: string } };
  journalEntries?: { source: { type: string }; lines: { account: { code: string }; debit: { minorUnits: string }; credit: { minorUnits: string } }[] }[] | null;
}

function assertPostingsMatch(order: OrderWithPostings): void {
  assert.ok(order.journalEntries, `${order.id}: journal entries resolved`);
  const captures = order.journalEntries.filter((entry) => entry.source.type === 'ORDER_CAPTURED');
  if (order.status === 'CANCELLED') {
    assert.equal(order.journalEntries.length, 0, `${order.id} is cancelled but has postings`);
    return;
  }
  assert.equal(captures.length, 1, `${order.id} has ${captures.length} capture entries`);
  const amount = (code: string, side: 'debit' | 'credit') =>
    captures[0]!.lines.filter((line) => line.account.code === code).reduce((sum, line) => sum + BigInt(line[side].minorUnits), 0n);
  assert.equal(amount('1100', 'debit').toString(), order.totals.total.minorUnits, order.id);
  assert.equal(amount('4000', 'credit').toString(), order.totals.subtotal.minorUnits, order.id);
  assert.equal(amount('2100', 'credit').toString(), order.totals.tax.minorUnits, order.id);
  for (const entry of order.journalEntries) {
    const debit = entry.lines.reduce((sum, line) => sum + BigInt(line.debit.minorUnits), 0n);
    const credit = entry.lines.reduce((sum, line) => sum + BigInt(line.credit.minorUnits), 0n);
    assert.equal(debit, credit, `${order.id} ${entry.source.type} is unbalanced`);
  }
}
