import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { retailDataset } from '@mesh/seed-data';
import { principals, startTestDatabase, startTestSubgraph, type TestSubgraph, untilDatabaseQuiet } from '@mesh/test-kit';
import type { Principal } from '@mesh/server-kit';
import type { RunningDatabase } from '@mesh/embedded-mongo';
import { ledgerWithHistory } from './fixtures/order-postings.js';
import { dbCommands, firstCode } from './ledger-test-helpers.js';

let database: RunningDatabase;
let subgraph: TestSubgraph;

before(async () => {
  database = await startTestDatabase();
  subgraph = await startTestSubgraph(ledgerWithHistory, { mongoUri: database.uri });
  // Counting tests must not see background start-up work (relay passes, consumer stores).
  await untilDatabaseQuiet(subgraph.url);
});
after(async () => {
  await subgraph?.close();
  await database?.stop();
});

const ORDER_ID = retailDataset().orders.find((order) => order.status === 'COMPLETED')!.id;
const CUSTOMER_ID = retailDataset().customers[0]!.id;

const LEDGER_READS = {
  accounts: '{ accounts { code name type balance { amount } } }',
  account: '{ account(code: "1100") { name } }',
  trialBalance: '{ trialBalance { balanced } }',
  journalEntries: '{ journalEntries(first: 1) { edges { node { id } } } }',
  'Order.journalEntries': `{ _entities(representations: [{ __typename: "Order", id: "${ORDER_ID}" }]) { ... on Order { journalEntries { id } } } }`,
  'JournalEntry reference': '{ _entities(representations: [{ __typename: "JournalEntry", id: "je_open_usd" }]) { ... on JournalEntry { memo } } }',
};

const ROLES: [string, Principal, string | undefined][] = [
  ['anonymous', principals.anonymous, 'UNAUTHENTICATED'],
  ['customer', principals.customer(CUSTOMER_ID), 'FORBIDDEN'],
  ['associate', principals.associate, 'FORBIDDEN'],
  ['analyst', principals.analyst, undefined],
  ['admin', principals.admin, undefined],
];

describe('ledger access', () => {
  for (const [name, query] of Object.entries(LEDGER_READS)) {
    test(`${name} is served to analysts and admins only`, async () => {
      for (const [role, principal, expected] of ROLES) {
        const response = await subgraph.request(query, {}, principal);
        assert.equal(firstCode(response), expected, `${name} as ${role}`);
      }
    });
  }

  test('a lifetime value is shown to the customer themself and to roles that read any customer', async () => {
    const query = `{ _entities(representations: [{ __typename: "Customer", id: "${CUSTOMER_ID}" }]) { ... on Customer { lifetimeValue { amount } } } }`;
    const cases: [Principal, string | undefined][] = [
      [principals.anonymous, 'UNAUTHENTICATED'],
      [principals.customer('cus_99999'), 'FORBIDDEN'],
      [principals.customer(CUSTOMER_ID), undefined],
      [principals.associate, undefined],
      [principals.analyst, undefined],
      [principals.admin, undefined],
    ];
    for (const [principal, expected] of cases) assert.equal(firstCode(await subgraph.request(query, {}, principal)), expected, principal.role);
  });
});

describe('bad input', () => {
  const cases: [string, string, Record<string, unknown>?][] = [
    ['an oversized page', '{ journalEntries(first: 1000) { totalCount } }'],
    ['a zero page', '{ journalEntries(first: 0) { totalCount } }'],
    ['a cursor that is not base64url', '{ journalEntries(after: "not a cursor!") { totalCount } }'],
    ['a well-encoded cursor without a sort key', `{ journalEntries(after: "${Buffer.from('hello').toString('base64url')}") { totalCount } }`],
    ['a cursor with an operator-shaped id', `{ journalEntries(after: "${Buffer.from('1700000000000|{"$gt":""}').toString('base64url')}") { totalCount } }`],
    ['an unknown account code in the filter', '{ journalEntries(filter: { accountCode: "9999" }) { totalCount } }'],
    ['an operator-shaped order id', '{ journalEntries(filter: { orderId: "$where" }) { totalCount } }'],
    ['a dotted source type', '{ journalEntries(filter: { sourceType: "source.type" }) { totalCount } }'],
    ['postedFrom after postedTo', '{ journalEntries(filter: { postedFrom: "2026-02-01T00:00:00Z", postedTo: "2026-01-01T00:00:00Z" }) { totalCount } }'],
    ['an operator-shaped account code', '{ account(code: "$ne") { name } }'],
    ['an invalid asOf', 'query($asOf: DateTime) { trialBalance(asOf: $asOf) { balanced } }', { asOf: 'yesterday' }],
    [
      'a representation whose id is an object',
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { journalEntries { id } } } }',
      { r: [{ __typename: 'Order', id: { $gt: '' } }] },
    ],
  ];
  for (const [name, query, variables] of cases) {
    test(`${name} is refused with BAD_USER_INPUT`, async () => {
      assert.equal(firstCode(await subgraph.request(query, variables ?? {}, principals.analyst)), 'BAD_USER_INPUT');
    });
  }

  test('an unknown account is null, and an unknown journal entry reference resolves to null', async () => {
    const response = await subgraph.request<{ account: unknown; _entities: unknown[] }>(
      '{ account(code: "9999") { name } _entities(representations: [{ __typename: "JournalEntry", id: "je_missing" }]) { ... on JournalEntry { memo } } }',
      {},
      principals.analyst,
    );
    assert.equal(response.errors, undefined);
    assert.equal(response.data?.account, null);
    assert.deepEqual(response.data?._entities, [null]);
  });
});

describe('batching', () => {
  const completed = retailDataset().orders.filter((order) => order.status === 'COMPLETED');

  async function commandsFor(
    query: string,
    representations: unknown[],
    principal: Principal,
  ): Promise<{ commands: number; data: { _entities: unknown[] } | null | undefined }> {
    const before = await dbCommands(subgraph);
    const response = await subgraph.request<{ _entities: unknown[] }>(query, { r: representations }, principal);
    assert.equal(response.errors, undefined);
    return { commands: (await dbCommands(subgraph)) - before, data: response.data };
  }

  test('Order.journalEntries costs the same database commands for 10 and for 100 orders', async () => {
    const query =
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { journalEntries { id lines { account { code name } debit { amount } } } } } }';
    const reps = (n: number) => completed.slice(0, n).map((order) => ({ __typename: 'Order', id: order.id }));
    const ten = await commandsFor(query, reps(10), principals.analyst);
    const hundred = await commandsFor(query, reps(100), principals.analyst);
    assert.equal(hundred.data?._entities.length, 100);
    assert.equal(ten.commands, hundred.commands);
    assert.equal(hundred.commands, 2, 'one find for the entries, one for their accounts');
  });

  test('Customer.lifetimeValue costs one merged-id lookup and one aggregate for 10 and for 100 customers', async () => {
    const query = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { lifetimeValue { amount currency } } } }';
    const reps = (n: number) =>
      retailDataset()
        .customers.slice(0, n)
        .map((customer) => ({ __typename: 'Customer', id: customer.id }));
    const ten = await commandsFor(query, reps(10), principals.analyst);
    const hundred = await commandsFor(query, reps(100), principals.analyst);
    assert.equal(ten.commands, 2);
    assert.equal(hundred.commands, 2);
  });

  test('accounts with their balances in both currencies cost two commands', async () => {
    const before = await dbCommands(subgraph);
    const response = await subgraph.request<{ accounts: unknown[] }>(
      '{ accounts { code usd: balance { amount } eur: balance(currency: EUR) { amount } balances { currency } } }',
      {},
      principals.admin,
    );
    assert.equal(response.data?.accounts.length, 13); // the chart, with 2050 goods received not invoiced, 5200 payment processing fees and 5300 chargeback losses
    assert.equal((await dbCommands(subgraph)) - before, 2);
  });
});
