import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { principals } from '@mesh/test-kit';
import { OrdersWithPostingsDocument, TrialBalanceDocument, type OrdersWithPostingsQuery } from '../__generated__/operations.js';
import type { GatewayResponse, MeshUnderTest } from '../mesh-fixture.js';

const ENTRIES = `query($c: CurrencyCode!, $after: String) { journalEntries(filter: { currency: $c }, first: 100, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id lines { account { code } debit { minorUnits } credit { minorUnits } } } } } }`;

interface EntriesPage {
  journalEntries: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: { node: { id: string; lines: { account: { code: string }; debit: { minorUnits: string }; credit: { minorUnits: string } }[] } }[];
  };
}

export function ledgerIntegritySuite(mesh: () => MeshUnderTest): void {
  describe('the ledger after the seeded history', () => {
    for (const currency of ['USD', 'EUR'] as const) {
      test(`the ${currency} trial balance is balanced and sums, account by account, the journal entries the ledger lists`, async () => {
        const response = await mesh().query(TrialBalanceDocument, { currency }, principals.analyst);
        assert.equal(response.errors, undefined, JSON.stringify(response.errors));
        const balance = response.data?.trialBalance;
        assert.ok(balance);
        assert.equal(balance.balanced, true);
        assert.equal(balance.totalDebit.minorUnits, balance.totalCredit.minorUnits);

        const sums = new Map<string, { debit: bigint; credit: bigint }>();
        const ids = new Set<string>();
        let totalCount = 0;
        let after: string | null = null;
        do {
          const page: GatewayResponse<EntriesPage> = await mesh().query(ENTRIES, { c: currency, after }, principals.admin);
          assert.equal(page.errors, undefined, JSON.stringify(page.errors));
          const entries = page.data!.journalEntries;
          totalCount = entries.totalCount;
          for (const { node: entry } of entries.edges) {
            ids.add(entry.id);
            let entryDebit = 0n;
            let entryCredit = 0n;
            for (const line of entry.lines) {
              const sum = sums.get(line.account.code) ?? { debit: 0n, credit: 0n };
              sum.debit += BigInt(line.debit.minorUnits);
              sum.credit += BigInt(line.credit.minorUnits);
              entryDebit += BigInt(line.debit.minorUnits);
              entryCredit += BigInt(line.credit.minorUnits);
              sums.set(line.account.code, sum);
            }
            assert.equal(entryDebit, entryCredit, `${entry.id} is balanced`);
          }
          after = entries.pageInfo.hasNextPage ? entries.pageInfo.endCursor : null;
        } while (after);
        assert.equal(ids.size, totalCount);
        const listedDebit = [...sums.values()].reduce((sum, { debit }) => sum + debit, 0n);
        assert.equal(balance.totalDebit.minorUnits, listedDebit.toString());
        for (const line of balance.lines) {
          const listed = sums.get(line.account.code) ?? { debit: 0n, credit: 0n };
          assert.deepEqual(
            [line.debit.minorUnits, line.credit.minorUnits],
            [listed.debit.toString(), listed.credit.toString()],
            `${currency} ${line.account.code}`,
          );
        }
      });
    }

    test('every order of the history posts exactly its totals: captured orders once, cancelled and rejected orders never', async () => {
      const seen = new Set<string>();
      const statuses = new Map<string, number>();
      let after: string | null = null;
      do {
        const response: GatewayResponse<OrdersWithPostingsQuery> = await mesh().query(OrdersWithPostingsDocument, { first: 100, after }, principals.admin);
        assert.equal(response.errors, undefined, JSON.stringify(response.errors));
        const page = response.data!.orders;
        for (const { node: order } of page.edges) {
          seen.add(order.id);
          statuses.set(order.status, (statuses.get(order.status) ?? 0) + 1);
          assertPostingsMatch(order);
        }
        after = page.pageInfo.hasNextPage ? (page.pageInfo.endCursor ?? null) : null;
      } while (after);
      const history = mesh().mesh.history;
      assert.ok(history, 'the history was replayed');
      assert.equal(
        seen.size,
        Object.values(history.byStatus).reduce((sum, count) => sum + count, 0),
      );
      assert.deepEqual(Object.fromEntries(statuses), Object.fromEntries(Object.entries(history.byStatus).filter(([, count]) => count > 0)));
      assert.ok((statuses.get('COMPLETED') ?? 0) > 0 && (statuses.get('CANCELLED') ?? 0) > 0, 'the history holds captured and cancelled orders');
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
  if (order.status === 'CANCELLED' || order.status === 'REJECTED') {
    assert.equal(order.journalEntries.length, 0, `${order.id} is ${order.status} but has postings`);
    return;
  }
  assert.ok(['COMPLETED', 'PARTIALLY_RETURNED', 'RETURNED'].includes(order.status), `${order.id} is ${order.status}, not final`);
  assert.equal(captures.length, 1, `${order.id} has ${captures.length} capture entries`);
  const amount = (code: string, side: 'debit' | 'credit') =>
    captures[0]!.lines.filter((line) => line.account.code === code).reduce((sum, line) => sum + BigInt(line[side].minorUnits), 0n);
  assert.equal(amount('1100', 'debit').toString(), order.totals.total.minorUnits, order.id);
  // Revenue is posted gross (list price); each promotion's discount is a debit to its contra-revenue account 4200-<promotion>.
  const discounts = captures[0]!.lines.filter((line) => line.account.code.startsWith('4200-')).reduce((sum, line) => sum + BigInt(line.debit.minorUnits), 0n);
  assert.equal((amount('4000', 'credit') - discounts).toString(), order.totals.subtotal.minorUnits, order.id);
  assert.equal(amount('2100', 'credit').toString(), order.totals.tax.minorUnits, order.id);
  // Refunds (returns, goodwill) take out of clearing at most what the capture put in.
  const refunded = order.journalEntries
    .filter((entry) => entry.source.type === 'REFUND')
    .flatMap((entry) => entry.lines)
    .filter((line) => line.account.code === '1100')
    .reduce((sum, line) => sum + BigInt(line.credit.minorUnits), 0n);
  assert.ok(refunded <= BigInt(order.totals.total.minorUnits), `${order.id} refunded ${refunded}, more than its total`);
  if (order.status === 'RETURNED' || order.status === 'PARTIALLY_RETURNED') assert.ok(refunded > 0n, `${order.id} is ${order.status} without a refund`);
  for (const entry of order.journalEntries) {
    const debit = entry.lines.reduce((sum, line) => sum + BigInt(line.debit.minorUnits), 0n);
    const credit = entry.lines.reduce((sum, line) => sum + BigInt(line.credit.minorUnits), 0n);
    assert.equal(debit, credit, `${order.id} ${entry.source.type} is unbalanced`);
  }
}
