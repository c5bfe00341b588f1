import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { principals, type TestSubgraph } from '@mesh/test-kit';
import { ledgerSubgraph, type LedgerModels } from '../src/module.js';
import { firstCode, type MoneyJson, startLedgerTestBed, type LedgerTestBed } from './ledger-test-helpers.js';

let bed: LedgerTestBed;
let subgraph: TestSubgraph;
let models: LedgerModels;

before(async () => {
  bed = await startLedgerTestBed(ledgerSubgraph);
  ({ subgraph, models } = bed);
});
after(() => bed?.close());

const POST = `mutation($input: SettlementPostingsInput!) { postSettlement(input: $input) { id postedAt source { type id } lines { account { code } debit { minorUnits } credit { minorUnits } } } }`;
type Posted = {
  postSettlement: {
    id: string;
    postedAt: string;
    source: { type: string; id: string };
    lines: { account: { code: string }; debit: MoneyJson; credit: MoneyJson }[];
  }[];
};

const settlement = {
  provider: 'stripe',
  settlementId: 'po_1001',
  currency: 'USD',
  fees: [
    { lineId: 'txn_1', amountMinor: '59', occurredAt: '2026-02-02T10:00:00Z', orderId: 'ord_x1' },
    { lineId: 'txn_2', amountMinor: '-12', occurredAt: '2026-02-02T11:00:00Z' },
  ],
  // txn_1 was also charged back: one line, two entries (its fee and the money taken back).
  chargebacks: [
    { lineId: 'txn_1', amountMinor: '2500', occurredAt: '2026-02-02T10:00:00Z', orderId: 'ord_x1' },
    { lineId: 'txn_3', amountMinor: '-700', occurredAt: '2026-02-02T12:00:00Z' },
  ],
  payout: { lineId: 'payout', amountMinor: '9929', occurredAt: '2026-02-03T06:00:00Z' },
};

async function balances(): Promise<string> {
  const rows = await models.balances.find({ currency: 'USD' }, { debitMinor: 1, creditMinor: 1 }).sort({ _id: 1 }).lean();
  return JSON.stringify([await models.entries.countDocuments(), rows], (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
}

describe('settlement postings', () => {
  test('fees post Dr 5200 / Cr 1100, chargebacks Dr 5300 / Cr 1100 (a negative one the other way) and the payout Dr 1000 / Cr 1100, once per line however often the report is posted', async () => {
    const first = await subgraph.request<Posted>(POST, { input: settlement }, principals.admin);
    assert.equal(firstCode(first), undefined);
    const summary = first.data!.postSettlement.map((entry) => [
      entry.source.type,
      entry.source.id,
      ...entry.lines.map((line) => `${line.account.code}:${line.debit.minorUnits === '0' ? `C${line.credit.minorUnits}` : `D${line.debit.minorUnits}`}`),
    ]);
    assert.deepEqual(summary, [
      ['SETTLEMENT_FEE', 'stripe:po_1001:txn_1', '5200:D59', '1100:C59'],
      ['SETTLEMENT_FEE', 'stripe:po_1001:txn_2', '1100:D12', '5200:C12'],
      ['SETTLEMENT_CHARGEBACK', 'stripe:po_1001:txn_1', '5300:D2500', '1100:C2500'],
      ['SETTLEMENT_CHARGEBACK', 'stripe:po_1001:txn_3', '1100:D700', '5300:C700'],
      ['SETTLEMENT_PAYOUT', 'stripe:po_1001:payout', '1000:D9929', '1100:C9929'],
    ]);
    const before = await balances();
    const again = await subgraph.request<Posted>(POST, { input: settlement }, principals.admin);
    assert.deepEqual(
      again.data!.postSettlement.map((entry) => entry.id),
      first.data!.postSettlement.map((entry) => entry.id),
    );
    assert.equal(await balances(), before);
  });

  test('a repeated line id (of one kind), a bad id or a caller without ledger:settle posts nothing and gets a stable code', async () => {
    const before = await balances();
    const fees = [
      { lineId: 'dup', amountMinor: '10', occurredAt: '2026-02-02T10:00:00Z' },
      { lineId: 'dup', amountMinor: '11', occurredAt: '2026-02-02T10:00:00Z' },
    ];
    assert.equal(firstCode(await subgraph.request(POST, { input: { ...settlement, settlementId: 'po_2', fees } }, principals.admin)), 'BAD_USER_INPUT');
    assert.equal(
      firstCode(await subgraph.request(POST, { input: { ...settlement, settlementId: 'po_4', chargebacks: fees } }, principals.admin)),
      'BAD_USER_INPUT',
    );
    assert.equal(firstCode(await subgraph.request(POST, { input: { ...settlement, settlementId: '$bad' } }, principals.admin)), 'BAD_USER_INPUT');
    assert.equal(firstCode(await subgraph.request(POST, { input: { ...settlement, settlementId: 'po_3' } }, principals.analyst)), 'FORBIDDEN');
    assert.equal(await balances(), before);
  });
});
