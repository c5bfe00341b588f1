import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { principals, startTestDatabase, startTestSubgraph, type TestSubgraph } from '@mesh/test-kit';
import { ledgerSubgraph } from '@mesh/ledger-subgraph';
import type { Principal } from '@mesh/server-kit';
import { createIntegrationSubgraph } from '../src/module.js';
import { startStandInOrderService, type StandInOrderService } from './stand-in-order-service.js';

// Settlement import against a real ledger subgraph (real database, real HTTP) and a stand-in order
// service on an ephemeral port that knows three orders' payments and can be taken down.

let database: Awaited<ReturnType<typeof startTestDatabase>>;
let orderService: StandInOrderService;
let ledger: TestSubgraph;
let integration: TestSubgraph;

/** What the order domain recorded: ord_s1 captured 100.00, ord_s2 captured 50.00 and refunded 20.00, ord_s3 captured 30.00. */
const PAYMENTS: Record<string, { captured: number; refunded: number }> = {
  ord_s1: { captured: 10_000, refunded: 0 },
  ord_s2: { captured: 5_000, refunded: 2_000 },
  ord_s3: { captured: 3_000, refunded: 0 },
};

before(async () => {
  database = await startTestDatabase();
  orderService = await startStandInOrderService(({ variables }) =>
    Object.fromEntries(
      Object.entries(variables).map(([name, id]) => {
        const payment = PAYMENTS[id as string];
        const value = payment
          ? { payment: { captured: { minorUnits: String(payment.captured), currency: 'USD' }, refunded: { minorUnits: String(payment.refunded) } } }
          : null;
        return [`o${name.slice(1)}`, value];
      }),
    ),
  );
  ledger = await startTestSubgraph(ledgerSubgraph, { mongoUri: database.uri });
  integration = await startTestSubgraph(createIntegrationSubgraph({ orderUrl: orderService.url, ledgerUrl: ledger.url }), { mongoUri: database.uri });
});

after(async () => {
  await integration?.close();
  await ledger?.close();
  await orderService?.close();
  await database?.stop();
});

const HEADER = 'settlement_id,line_id,type,reference,currency,gross,fee,net,booked_at';
const report = (id: string, rows: readonly string[]) => [HEADER, ...rows.map((row) => `${id},${row}`)].join('\n') + '\n';
/** Captures of ord_s1 (matches), ord_s3 (settled 29.00, captured 30.00), ord_unknown; ord_s2's refund (matches); a chargeback of more than ord_s2 kept; a monthly fee; the payout. */
const GOOD_ROWS = [
  'l1,capture,ord_s1,USD,100.00,3.20,96.80,2026-03-02T10:00:00Z',
  'l2,capture,ord_s3,USD,29.00,1.17,27.83,2026-03-02T11:00:00Z',
  'l3,capture,ord_unknown,USD,12.00,0.65,11.35,2026-03-02T12:00:00Z',
  'l4,refund,ord_s2,USD,-20.00,0.00,-20.00,2026-03-02T13:00:00Z',
  'l5,chargeback,ord_s2,USD,-50.00,15.00,-65.00,2026-03-02T14:00:00Z',
  'l6,fee,,USD,0.00,2.00,-2.00,2026-03-02T15:00:00Z',
  'l7,payout,,USD,48.98,0.00,48.98,2026-03-03T06:00:00Z',
];
const GOOD = report('po_2001', GOOD_ROWS);

const IMPORT = `mutation($input: ImportSettlementReportInput!) { importSettlementReport(input: $input) { id status lineCount matchedLines exceptionCount journalEntryIds feeTotal { minorUnits } payout { minorUnits } } }`;
type Imported = {
  importSettlementReport: {
    id: string;
    status: string;
    lineCount: number;
    matchedLines: number;
    exceptionCount: number;
    journalEntryIds: string[];
    feeTotal: { minorUnits: string };
    payout: { minorUnits: string };
  };
};
const importReport = (csv: string, principal: Principal = principals.admin) =>
  integration.request<Imported>(IMPORT, { input: { provider: 'stripe', csv } }, principal);
const EXCEPTIONS = `query($status: SettlementExceptionStatus) { settlementExceptions(status: $status, first: 100) { id lineId code reference reported { minorUnits } recorded { minorUnits } status resolution } }`;
type Exceptions = {
  settlementExceptions: {
    id: string;
    lineId: string;
    code: string;
    reference: string;
    reported: { minorUnits: string };
    recorded: { minorUnits: string } | null;
    status: string;
    resolution: string | null;
  }[];
};
const code = (response: { errors?: ReadonlyArray<{ extensions?: Record<string, unknown> }> }) => response.errors?.[0]?.extensions?.['code'];

async function ledgerState(): Promise<{ fees: string; chargebacks: string; cash: string; clearing: string; balanced: boolean; entries: number }> {
  const response = await ledger.request<{
    trialBalance: { balanced: boolean; lines: { account: { code: string }; balance: { minorUnits: string } }[] };
    journalEntries: { totalCount: number };
  }>(
    `{ trialBalance(currency: USD) { balanced lines { account { code } balance { minorUnits } } } journalEntries(first: 1) { totalCount } }`,
    {},
    principals.analyst,
  );
  const balance = (account: string) => response.data!.trialBalance.lines.find((line) => line.account.code === account)?.balance.minorUnits ?? '0';
  return {
    fees: balance('5200'),
    chargebacks: balance('5300'),
    cash: balance('1000'),
    clearing: balance('1100'),
    balanced: response.data!.trialBalance.balanced,
    entries: response.data!.journalEntries.totalCount,
  };
}

async function integrationCounts(): Promise<string> {
  const [reports, exceptions] = await Promise.all([
    integration.connection.collection('settlement_reports').find().sort({ _id: 1 }).toArray(),
    integration.connection.collection('settlement_exceptions').find().sort({ _id: 1 }).toArray(),
  ]);
  return JSON.stringify({ reports, exceptions });
}

describe('settlement import', () => {
  test('a report posts its fees, chargeback and payout, matches its lines to the orders, and makes every disagreement an exception', async () => {
    const before = await ledgerState();
    const imported = await importReport(GOOD);
    assert.equal(code(imported), undefined, JSON.stringify(imported.errors));
    const result = imported.data!.importSettlementReport;
    assert.deepEqual(
      {
        id: result.id,
        status: result.status,
        lineCount: result.lineCount,
        matchedLines: result.matchedLines,
        exceptionCount: result.exceptionCount,
        fees: result.feeTotal.minorUnits,
        payout: result.payout.minorUnits,
      },
      { id: 'stripe:po_2001', status: 'POSTED', lineCount: 7, matchedLines: 2, exceptionCount: 3, fees: '2202', payout: '4898' },
    );
    // Five lines carry a fee (l4 has none), plus the chargeback and the payout.
    assert.equal(result.journalEntryIds.length, 7);
    const after = await ledgerState();
    assert.equal(BigInt(after.fees) - BigInt(before.fees), 2_202n);
    assert.equal(BigInt(after.chargebacks) - BigInt(before.chargebacks), 5_000n);
    assert.equal(BigInt(after.cash) - BigInt(before.cash), 4_898n);
    assert.equal(BigInt(after.clearing) - BigInt(before.clearing), -(2_202n + 5_000n + 4_898n));
    assert.equal(after.balanced, true);

    const open = (await integration.request<Exceptions>(EXCEPTIONS, { status: 'OPEN' }, principals.analyst)).data!.settlementExceptions;
    assert.deepEqual(
      open
        .map((exception) => [exception.lineId, exception.code, exception.reference, exception.reported.minorUnits, exception.recorded?.minorUnits ?? null])
        .sort(),
      [
        ['l2', 'AMOUNT_MISMATCH', 'ord_s3', '2900', '3000'],
        ['l3', 'UNMATCHED_REFERENCE', 'ord_unknown', '1200', null],
        ['l5', 'AMOUNT_MISMATCH', 'ord_s2', '-5000', '3000'],
      ],
    );
  });

  test('importing the same file again changes nothing, in the ledger or in the exceptions', async () => {
    const [ledgerBefore, stored] = [await ledgerState(), await integrationCounts()];
    const again = await importReport(GOOD);
    assert.equal(code(again), undefined);
    assert.equal(again.data!.importSettlementReport.status, 'POSTED');
    assert.deepEqual(await ledgerState(), ledgerBefore);
    assert.equal(await integrationCounts(), stored);
  });

  test('chargebacks are posted once each as a loss (Dr 5300, Cr 1100), only the unmatched or disagreeing ones become exceptions, and card clearing moves by the captures minus the refunds', async () => {
    // ord_s3 captured 30.00 and is charged back in full (matches); ord_s2 kept 30.00 (50.00 captured,
    // 20.00 refunded) but 40.00 is charged back; ord_gone is unknown to the mesh.
    const csv = report('po_5001', [
      'c1,capture,ord_s3,USD,30.00,0.90,29.10,2026-03-06T10:00:00Z',
      'c2,chargeback,ord_s3,USD,-30.00,15.00,-45.00,2026-03-06T11:00:00Z',
      'c3,chargeback,ord_s2,USD,-40.00,15.00,-55.00,2026-03-06T12:00:00Z',
      'c4,chargeback,ord_gone,USD,-10.00,0.00,-10.00,2026-03-06T13:00:00Z',
      'c5,capture,ord_s1,USD,100.00,2.90,97.10,2026-03-06T14:00:00Z',
      'p1,payout,,USD,16.20,0.00,16.20,2026-03-07T06:00:00Z',
    ]);
    const before = await ledgerState();
    const imported = await importReport(csv);
    assert.equal(code(imported), undefined, JSON.stringify(imported.errors));
    const result = imported.data!.importSettlementReport;
    assert.deepEqual(
      { matchedLines: result.matchedLines, exceptionCount: result.exceptionCount, entries: result.journalEntryIds.length },
      { matchedLines: 3, exceptionCount: 2, entries: 8 },
    );

    const after = await ledgerState();
    const moved = (account: keyof typeof after) => BigInt(after[account] as string) - BigInt(before[account] as string);
    const [fees, chargebacks, payout] = [90n + 1_500n + 1_500n + 290n, 3_000n + 4_000n + 1_000n, 1_620n];
    assert.deepEqual([moved('fees'), moved('chargebacks'), moved('cash')], [fees, chargebacks, payout]);
    // Clearing was debited by the captures (30.00 + 100.00) when the mesh took them; the settlement
    // credits it by the payout, the fees and the chargebacks: together exactly those captures.
    assert.equal(-moved('clearing'), 3_000n + 10_000n);
    assert.equal(-moved('clearing'), payout + fees + chargebacks);
    assert.equal(after.balanced, true);

    const CHARGEBACKS = `{ journalEntries(filter: { sourceType: "SETTLEMENT_CHARGEBACK" }, first: 50) { edges { node { source { id } order { id } lines { account { code } debit { minorUnits } credit { minorUnits } } } } } }`;
    type Entries = {
      journalEntries: {
        edges: {
          node: {
            source: { id: string };
            order: { id: string } | null;
            lines: { account: { code: string }; debit: { minorUnits: string }; credit: { minorUnits: string } }[];
          };
        }[];
      };
    };
    const posted = (await ledger.request<Entries>(CHARGEBACKS, {}, principals.analyst)).data!.journalEntries.edges.map(({ node }) => [
      node.source.id,
      node.order?.id ?? null,
      ...node.lines.map((line) => `${line.account.code}:${line.debit.minorUnits === '0' ? `C${line.credit.minorUnits}` : `D${line.debit.minorUnits}`}`),
    ]);
    assert.deepEqual(posted.filter(([id]) => id?.startsWith('stripe:po_5001:')).sort(), [
      ['stripe:po_5001:c2', 'ord_s3', '5300:D3000', '1100:C3000'],
      ['stripe:po_5001:c3', null, '5300:D4000', '1100:C4000'],
      ['stripe:po_5001:c4', null, '5300:D1000', '1100:C1000'],
    ]);

    const open = (await integration.request<Exceptions>(EXCEPTIONS, { status: 'OPEN' }, principals.analyst)).data!.settlementExceptions;
    assert.deepEqual(
      open
        .filter((exception) => exception.id.startsWith('stripe:po_5001:'))
        .map((exception) => [exception.lineId, exception.code, exception.reported.minorUnits, exception.recorded?.minorUnits ?? null])
        .sort(),
      [
        ['c3', 'AMOUNT_MISMATCH', '-4000', '3000'],
        ['c4', 'UNMATCHED_REFERENCE', '-1000', null],
      ],
    );

    const [ledgerBefore, stored] = [await ledgerState(), await integrationCounts()];
    const again = await importReport(csv);
    assert.deepEqual(again.data?.importSettlementReport.journalEntryIds, result.journalEntryIds);
    assert.deepEqual(await ledgerState(), ledgerBefore);
    assert.equal(await integrationCounts(), stored);
  });

  test('a bad file gets INVALID_SETTLEMENT_FILE with its reason, a known id with other contents SETTLEMENT_CONFLICT, and nothing is written', async () => {
    const [ledgerBefore, stored] = [await ledgerState(), await integrationCounts()];
    const wrongTotal = report('po_3001', [...GOOD_ROWS.slice(0, -1), 'l7,payout,,USD,49.98,0.00,49.98,2026-03-03T06:00:00Z']);
    const duplicated = report('po_3002', [GOOD_ROWS[0]!, ...GOOD_ROWS]);
    const cases: [string, string][] = [
      [wrongTotal, 'CONTROL_TOTAL_MISMATCH'],
      [duplicated, 'DUPLICATE_LINE'],
      [GOOD.replace('booked_at', 'when'), 'MISSING_COLUMN'],
      [report('po_3003', [...GOOD_ROWS.slice(0, 1), 'l9,capture,ord_s1,EUR,1.00,0.00,1.00,2026-03-02T10:00:00Z', ...GOOD_ROWS.slice(1)]), 'MIXED_CURRENCIES'],
      [
        report('po_3004', ['l1,capture,ord_s1,USD,100.00,3.20,96.00,2026-03-02T10:00:00Z', 'l7,payout,,USD,96.00,0.00,96.00,2026-03-03T06:00:00Z']),
        'NET_MISMATCH',
      ],
      [report('po_3005', ['l1,capture,ord_s1,USD,100,0.00,100,2026-03-02T10:00:00Z']), 'BAD_VALUE'],
      [report('po_3006', GOOD_ROWS.slice(0, 1)), 'PAYOUT_COUNT'],
      [`${HEADER}\npo_1,"l1,capture\n`, 'NOT_CSV'],
      ['', 'EMPTY'],
    ];
    for (const [csv, reason] of cases) {
      const refused = await importReport(csv);
      assert.equal(code(refused), 'INVALID_SETTLEMENT_FILE', reason);
      assert.equal(refused.errors?.[0]?.extensions?.['reason'], reason);
    }
    const conflicting = await importReport(GOOD.replace('2026-03-02T15:00:00Z', '2026-03-02T15:30:00Z'));
    assert.equal(code(conflicting), 'SETTLEMENT_CONFLICT');
    assert.equal(code(await importReport(report('po_3007', GOOD_ROWS), principals.analyst)), 'FORBIDDEN');
    const longProvider = await integration.request(IMPORT, { input: { provider: 'p'.repeat(33), csv: report('po_3008', GOOD_ROWS) } }, principals.admin);
    assert.equal(code(longProvider), 'BAD_USER_INPUT');
    assert.deepEqual(await ledgerState(), ledgerBefore);
    assert.equal(await integrationCounts(), stored);
  });

  test('an import the order domain could not answer is UPSTREAM_UNAVAILABLE, and importing the file again finishes it once', async () => {
    const before = await ledgerState();
    const csv = report('po_4001', ['m1,capture,ord_s1,USD,100.00,2.90,97.10,2026-03-04T10:00:00Z', 'm2,payout,,USD,97.10,0.00,97.10,2026-03-05T06:00:00Z']);
    orderService.up = false;
    const failed = await importReport(csv);
    assert.equal(code(failed), 'UPSTREAM_UNAVAILABLE');
    assert.deepEqual(await ledgerState(), before);
    orderService.up = true;
    const finished = await importReport(csv);
    assert.equal(finished.data?.importSettlementReport.status, 'POSTED');
    assert.equal(finished.data?.importSettlementReport.matchedLines, 1);
    const after = await ledgerState();
    assert.equal(after.entries - before.entries, 2);
    assert.equal(BigInt(after.fees) - BigInt(before.fees), 290n);
  });

  test('operations resolve an open exception once, saying what was done', async () => {
    const [first] = (await integration.request<Exceptions>(EXCEPTIONS, { status: 'OPEN' }, principals.analyst)).data!.settlementExceptions;
    assert.ok(first);
    const RESOLVE = `mutation($id: ID!, $note: String!) { resolveSettlementException(id: $id, resolution: $note) { id status resolution } }`;
    assert.equal(code(await integration.request(RESOLVE, { id: first.id, note: 'checked' }, principals.analyst)), 'FORBIDDEN');
    assert.equal(code(await integration.request(RESOLVE, { id: first.id, note: '   ' }, principals.admin)), 'BAD_USER_INPUT');
    const resolved = await integration.request<{ resolveSettlementException: { status: string; resolution: string } }>(
      RESOLVE,
      { id: first.id, note: 'Provider confirmed the partial capture' },
      principals.admin,
    );
    assert.deepEqual(resolved.data?.resolveSettlementException, { id: first.id, status: 'RESOLVED', resolution: 'Provider confirmed the partial capture' });
    assert.equal(code(await integration.request(RESOLVE, { id: first.id, note: 'again' }, principals.admin)), 'NOT_OPEN');
    assert.equal(code(await integration.request(RESOLVE, { id: 'stripe:po_none:l1', note: 'x' }, principals.admin)), 'NOT_FOUND');
    const open = (await integration.request<Exceptions>(EXCEPTIONS, { status: 'OPEN' }, principals.analyst)).data!.settlementExceptions;
    assert.equal(
      open.some((exception) => exception.id === first.id),
      false,
    );
  });
});
