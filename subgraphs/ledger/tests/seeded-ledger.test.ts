import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { orderPostingsOfPlan, retailDataset } from '@mesh/seed-data';
import { principals, startTestDatabase, startTestSubgraph, type TestSubgraph } from '@mesh/test-kit';
import type { RunningDatabase } from '@mesh/embedded-mongo';
import { createLogger } from '@mesh/server-kit';
import { createLedgerModels } from '../src/module.js';
import { ledgerWithHistory } from './fixtures/order-postings.js';
import { seedLedger } from '../src/seed.js';
import type { MoneyJson } from './ledger-test-helpers.js';

let database: RunningDatabase;
let subgraph: TestSubgraph;

before(async () => {
  database = await startTestDatabase();
  subgraph = await startTestSubgraph(ledgerWithHistory, { mongoUri: database.uri });
});
after(async () => {
  await subgraph?.close();
  await database?.stop();
});

interface TrialBalanceJson {
  trialBalance: {
    currency: string;
    balanced: boolean;
    totalDebit: MoneyJson;
    totalCredit: MoneyJson;
    lines: { account: { code: string; balance: MoneyJson }; debit: MoneyJson; credit: MoneyJson; balance: MoneyJson }[];
  };
}

const TRIAL_BALANCE = `query($currency: CurrencyCode!, $asOf: DateTime) {
  trialBalance(currency: $currency, asOf: $asOf) {
    currency balanced totalDebit { minorUnits amount } totalCredit { minorUnits }
    lines { account { code balance(currency: $currency) { minorUnits } } debit { minorUnits } credit { minorUnits } balance { minorUnits } }
  }
}`;

// The ledger under test holds the seeded opening entries plus the fixture postings of the plan's
// completed orders (tests/fixtures/order-postings.ts); in the product those are posted by the
// consumers while the history driver replays the plan.
const journalUnderTest = () => [...retailDataset().journalEntries, ...orderPostingsOfPlan()];

describe('the seeded ledger', () => {
  for (const currency of ['USD', 'EUR'] as const) {
    test(`the ${currency} trial balance is balanced and its totals equal the sum of the seed lines`, async () => {
      const seedLines = journalUnderTest()
        .filter((entry) => entry.currency === currency)
        .flatMap((entry) => entry.lines);
      const expected = seedLines.reduce((sum, line) => sum + BigInt(line.debitMinor), 0n);
      assert.equal(
        expected,
        seedLines.reduce((sum, line) => sum + BigInt(line.creditMinor), 0n),
      );
      const response = await subgraph.request<TrialBalanceJson>(TRIAL_BALANCE, { currency }, principals.analyst);
      assert.equal(response.errors, undefined);
      const report = response.data!.trialBalance;
      assert.equal(report.balanced, true);
      assert.equal(report.totalDebit.minorUnits, expected.toString());
      assert.equal(report.totalCredit.minorUnits, expected.toString());
      assert.ok(expected > 2n ** 31n, 'the seeded totals exceed 32 bits');
      assert.equal(report.lines.length, retailDataset().accounts.length);
    });
  }

  test('the stored account balances agree with the trial balance aggregated from the journal', async () => {
    for (const currency of ['USD', 'EUR']) {
      const response = await subgraph.request<TrialBalanceJson>(TRIAL_BALANCE, { currency }, principals.analyst);
      for (const line of response.data!.trialBalance.lines) {
        assert.equal(line.account.balance.minorUnits, line.balance.minorUnits, `${line.account.code} ${currency}`);
      }
      const clearing = response.data!.trialBalance.lines.find((line) => line.account.code === '1100')!;
      assert.equal(clearing.balance.minorUnits, (BigInt(clearing.debit.minorUnits) - BigInt(clearing.credit.minorUnits)).toString());
    }
  });

  test('a trial balance as of the opening date holds only the opening inventory entry', async () => {
    const response = await subgraph.request<TrialBalanceJson>(TRIAL_BALANCE, { currency: 'USD', asOf: '2025-10-01T00:00:00.000Z' }, principals.admin);
    const opening = retailDataset().journalEntries.find((entry) => entry.id === 'je_open_usd')!;
    assert.equal(response.data!.trialBalance.totalDebit.minorUnits, String(opening.lines[0]!.debitMinor));
    assert.equal(response.data!.trialBalance.balanced, true);
  });

  test('inventory (1300) equals the opening stock at cost less the cost of goods sold, opened by one opening-inventory entry per currency', async () => {
    const data = retailDataset();
    const currencyOf = new Map(data.locations.map((location) => [location.id, location.currency]));
    const costOf = new Map(data.variants.flatMap((variant) => variant.unitCosts.map((cost) => [`${variant.sku}|${cost.currency}`, cost.amountMinor] as const)));
    const stockValue = { USD: 0n, EUR: 0n };
    for (const level of data.stockLevels) {
      const currency = currencyOf.get(level.locationId)!;
      stockValue[currency] += BigInt(level.onHand) * BigInt(costOf.get(`${level.sku}|${currency}`)!);
    }
    // What the fixture's completed orders took out of stock at cost.
    for (const entry of orderPostingsOfPlan()) {
      for (const line of entry.lines) if (line.accountCode === '1300') stockValue[entry.currency] -= BigInt(line.creditMinor) - BigInt(line.debitMinor);
    }
    for (const currency of ['USD', 'EUR'] as const) {
      assert.ok(stockValue[currency] > 0n);
      const response = await subgraph.request<TrialBalanceJson>(TRIAL_BALANCE, { currency }, principals.analyst);
      const inventory = response.data!.trialBalance.lines.find((line) => line.account.code === '1300')!;
      assert.equal(inventory.balance.minorUnits, stockValue[currency].toString(), `${currency} inventory at cost`);
      assert.equal(inventory.account.balance.minorUnits, stockValue[currency].toString(), `${currency} stored balance`);
    }
    const openings = await subgraph.request<{
      journalEntries: { edges: { node: { currency: string; lines: { account: { code: string }; debit: MoneyJson; credit: MoneyJson }[] } }[] };
    }>(
      '{ journalEntries(filter: { sourceType: "OPENING_BALANCE" }, first: 10) { edges { node { currency lines { account { code } debit { minorUnits } credit { minorUnits } } } } } }',
      {},
      principals.analyst,
    );
    const entries = openings.data!.journalEntries.edges.map(({ node }) => node);
    assert.deepEqual(entries.map((entry) => entry.currency).sort(), ['EUR', 'USD']);
    for (const entry of entries) {
      assert.deepEqual(
        entry.lines.map((line) => line.account.code),
        ['1300', '3000'],
      );
      assert.equal(entry.lines[0]!.debit.minorUnits, entry.lines[1]!.credit.minorUnits);
    }
  });

  test('starting again on an existing ledger adds a chart account it lacks and leaves the journal as it was', async () => {
    const models = createLedgerModels(subgraph.connection);
    await models.accounts.deleteOne({ _id: '2050' });
    const entries = await models.entries.countDocuments();
    await seedLedger(models, createLogger('ledger-test', { LOG_LEVEL: 'silent' }));
    assert.equal((await models.accounts.findById('2050').lean())?.name, 'Goods received not invoiced');
    assert.equal(await models.accounts.countDocuments(), retailDataset().accounts.length);
    assert.equal(await models.entries.countDocuments(), entries);
  });

  test("every seeded captured order's entry debits 1100 with exactly the order total", async () => {
    const captured = new Map<string, bigint>();
    let after: string | null = null;
    for (let page = 0; page < 100; page++) {
      const response: {
        data?: {
          journalEntries: {
            edges: { node: { order: { id: string }; currency: string; lines: { account: { code: string }; debit: MoneyJson; credit: MoneyJson }[] } }[];
            pageInfo: { hasNextPage: boolean; endCursor: string | null };
          };
        } | null;
      } = await subgraph.request(
        'query($after: String) { journalEntries(filter: { sourceType: "ORDER_CAPTURED" }, first: 100, after: $after) { edges { node { order { id } currency lines { account { code } debit { minorUnits } credit { minorUnits } } } } pageInfo { hasNextPage endCursor } } }',
        { after },
        principals.analyst,
      );
      for (const { node } of response.data!.journalEntries.edges) {
        const debit = node.lines.filter((line) => line.account.code === '1100').reduce((sum, line) => sum + BigInt(line.debit.minorUnits), 0n);
        assert.equal(captured.has(node.order.id), false, `${node.order.id} is captured once`);
        captured.set(node.order.id, debit);
      }
      if (!response.data!.journalEntries.pageInfo.hasNextPage) break;
      after = response.data!.journalEntries.pageInfo.endCursor;
    }
    const completed = retailDataset().orders.filter((order) => order.status === 'COMPLETED');
    assert.equal(captured.size, completed.length);
    for (const order of completed) {
      assert.equal(captured.get(order.id), BigInt(order.totals.totalMinor), order.id);
      assert.equal(order.payment.capturedMinor, order.totals.totalMinor);
    }
  });

  test("an order's journal entries are its capture and its cost of goods, oldest first, sharing its correlation id", async () => {
    const order = retailDataset().orders.find((candidate) => candidate.status === 'COMPLETED')!;
    const response = await subgraph.request<{
      _entities: { journalEntries: { id: string; source: { type: string }; correlationId: string; customerId: string; location: { id: string } }[] }[];
    }>(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { journalEntries { id source { type } correlationId customerId location { id } } } } }',
      { r: [{ __typename: 'Order', id: order.id }] },
      principals.analyst,
    );
    const entries = response.data!._entities[0]!.journalEntries;
    assert.deepEqual(
      entries.map((entry) => entry.source.type),
      ['ORDER_CAPTURED', 'ORDER_FULFILLED'],
    );
    assert.ok(
      entries.every(
        (entry) => entry.correlationId === order.correlationId && entry.customerId === order.customerId && entry.location.id === order.fulfillment.locationId,
      ),
    );
  });

  test("a customer's lifetime value is the total of their captured orders per currency", async () => {
    const customer = retailDataset().customers[0]!;
    const expected = new Map<string, bigint>();
    for (const order of retailDataset().orders.filter((candidate) => candidate.customerId === customer.id && candidate.status === 'COMPLETED')) {
      expected.set(order.currency, (expected.get(order.currency) ?? 0n) + BigInt(order.totals.totalMinor));
    }
    const response = await subgraph.request<{ _entities: { lifetimeValue: MoneyJson[] }[] }>(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { lifetimeValue { minorUnits currency } } } }',
      {
        r: [
          { __typename: 'Customer', id: customer.id },
          { __typename: 'Customer', id: 'cus_nobody' },
        ],
      },
      principals.customer(customer.id),
    );
    assert.equal(response.errors?.length, 1, 'the other customer is refused');
    const actual = new Map(response.data!._entities[0]!.lifetimeValue.map((value) => [value.currency, BigInt(value.minorUnits)]));
    assert.deepEqual(actual, expected);
    const nobody = await subgraph.request<{ _entities: { lifetimeValue: MoneyJson[] }[] }>(
      '{ _entities(representations: [{ __typename: "Customer", id: "cus_nobody" }]) { ... on Customer { lifetimeValue { minorUnits } } } }',
      {},
      principals.associate,
    );
    assert.deepEqual(nobody.data!._entities[0]!.lifetimeValue, []);
  });

  test('journal entries page newest first without gaps or repeats, and totalCount matches the filter', async () => {
    const customerId = retailDataset().customers[0]!.id;
    const expected = journalUnderTest().filter((entry) => entry.customerId === customerId).length;
    const seen: { id: string; postedAt: string }[] = [];
    let after: string | null = null;
    do {
      const response: {
        data?: {
          journalEntries: {
            edges: { node: { id: string; postedAt: string } }[];
            pageInfo: { hasNextPage: boolean; endCursor: string | null };
            totalCount: number;
          };
        } | null;
      } = await subgraph.request(
        'query($f: JournalEntryFilter, $after: String) { journalEntries(filter: $f, first: 3, after: $after) { edges { node { id postedAt } } pageInfo { hasNextPage endCursor } totalCount } }',
        { f: { customerId }, after },
        principals.admin,
      );
      assert.equal(response.data!.journalEntries.totalCount, expected);
      seen.push(...response.data!.journalEntries.edges.map((edge) => edge.node));
      after = response.data!.journalEntries.pageInfo.hasNextPage ? response.data!.journalEntries.pageInfo.endCursor : null;
    } while (after);
    assert.equal(new Set(seen.map((entry) => entry.id)).size, expected);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i - 1]!.postedAt >= seen[i]!.postedAt);
  });

  test('a seeded day reconciles: every seeded capture has its posting, per channel and store', async () => {
    const capture = orderPostingsOfPlan().find((entry) => entry.source.type === 'ORDER_CAPTURED')!;
    const date = capture.postedAt.toISOString().slice(0, 10);
    const response = await subgraph.request<{
      reconciliation: { reconciled: boolean; groups: { capturedExpected: MoneyJson; capturedPosted: MoneyJson }[]; mismatches: unknown[] };
    }>(
      'query($d: String!) { reconciliation(date: $d) { reconciled groups { capturedExpected { minorUnits } capturedPosted { minorUnits } } mismatches { orderId } } }',
      { d: date },
      principals.analyst,
    );
    assert.equal(response.errors, undefined);
    const report = response.data!.reconciliation;
    assert.deepEqual(report.mismatches, []);
    assert.equal(report.reconciled, true);
    assert.ok(report.groups.length > 0);
    for (const group of report.groups) assert.equal(group.capturedExpected.minorUnits, group.capturedPosted.minorUnits);
  });
});
