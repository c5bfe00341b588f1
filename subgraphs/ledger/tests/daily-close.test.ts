import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { principals, type TestSubgraph } from '@mesh/test-kit';
import type { Principal } from '@mesh/server-kit';
import { postJournalEntry, type LedgerModels, type PostJournalEntryInput } from '../src/module.js';
import { ledgerWithHistory } from './fixtures/order-postings.js';
import { firstCode, type MoneyJson, startLedgerTestBed, type LedgerTestBed } from './ledger-test-helpers.js';

let bed: LedgerTestBed;
let subgraph: TestSubgraph;
let models: LedgerModels;

before(async () => {
  bed = await startLedgerTestBed(ledgerWithHistory);
  ({ subgraph, models } = bed);
});
after(() => bed?.close());

const CLOSE = `mutation($input: CloseLedgerDayInput!) { closeLedgerDay(input: $input) { date currency closedAt closedBy journalExport { batchId } } }`;
const EXPORT = `query($date: String!, $c: CurrencyCode!) { journalExport(date: $date, currency: $c) {
  batchId date currency entryCount controlTotal { minorUnits }
  lines { account { code } location { id } channel debit { minorUnits } credit { minorUnits } sourceLines }
  csv json } }`;
const TRIAL = `query($asOf: DateTime!, $c: CurrencyCode!) { trialBalance(asOf: $asOf, currency: $c) { lines { account { code } debit { minorUnits } credit { minorUnits } } } }`;

interface ExportJson {
  readonly batchId: string;
  readonly date: string;
  readonly currency: string;
  readonly entryCount: number;
  readonly controlTotal: MoneyJson;
  readonly lines: readonly {
    account: { code: string };
    location: { id: string } | null;
    channel: string | null;
    debit: MoneyJson;
    credit: MoneyJson;
    sourceLines: number;
  }[];
  readonly csv: string;
  readonly json: string;
}

const close = (date: string, idempotencyKey: string, principal: Principal = principals.admin, currency = 'USD') =>
  subgraph.request<{ closeLedgerDay: { date: string; closedAt: string; closedBy: string; journalExport: { batchId: string } } }>(
    CLOSE,
    { input: { date, currency, idempotencyKey } },
    principal,
  );
const journalExport = (date: string, currency = 'USD') => subgraph.request<{ journalExport: ExportJson }>(EXPORT, { date, c: currency }, principals.analyst);

/** Per account, debits and credits posted in [start, end): the trial balance at the day's end minus the one before it began. */
async function trialMovement(date: string, currency = 'USD'): Promise<Map<string, { debit: bigint; credit: bigint }>> {
  const at = async (asOf: Date) => {
    const response = await subgraph.request<{ trialBalance: { lines: { account: { code: string }; debit: MoneyJson; credit: MoneyJson }[] } }>(
      TRIAL,
      { asOf: asOf.toISOString(), c: currency },
      principals.analyst,
    );
    return new Map(
      response.data!.trialBalance.lines.map((line) => [line.account.code, { debit: BigInt(line.debit.minorUnits), credit: BigInt(line.credit.minorUnits) }]),
    );
  };
  const start = new Date(`${date}T00:00:00.000Z`);
  const [before, end] = await Promise.all([at(new Date(start.getTime() - 1)), at(new Date(start.getTime() + 86_400_000 - 1))]);
  const movement = new Map<string, { debit: bigint; credit: bigint }>();
  for (const [code, total] of end) {
    const earlier = before.get(code) ?? { debit: 0n, credit: 0n };
    const moved = { debit: total.debit - earlier.debit, credit: total.credit - earlier.credit };
    if (moved.debit !== 0n || moved.credit !== 0n) movement.set(code, moved);
  }
  return movement;
}

const cashSale = (sourceId: string, postedAt: Date, amount = 1_000): PostJournalEntryInput => ({
  source: { type: 'TEST_SALE', id: sourceId },
  memo: `Test sale ${sourceId}`,
  currency: 'USD',
  correlationId: `test-${sourceId}`,
  postedAt,
  lines: [
    { accountCode: '1000', debitMinor: amount, creditMinor: 0 },
    { accountCode: '4000', debitMinor: 0, creditMinor: amount },
  ],
});

describe('daily close and journal export', () => {
  test('a posting dated into a closed day is booked at the start of the next open day, keeping the date it asked for', async () => {
    const asked = new Date('2026-01-05T15:30:00.000Z');
    const before = await postJournalEntry(models, cashSale('before-close', asked));
    assert.equal(before.entry.postedAt.toISOString(), asked.toISOString());
    assert.equal(before.entry.originalPostedAt, undefined);

    assert.equal(firstCode(await close('2026-01-05', 'close-usd-2026-01-05')), undefined);
    assert.equal(firstCode(await close('2026-01-06', 'close-usd-2026-01-06')), undefined);
    const late = await postJournalEntry(models, cashSale('after-close', asked));
    assert.equal(late.entry.postedAt.toISOString(), '2026-01-07T00:00:00.000Z');
    assert.equal(late.entry.originalPostedAt?.toISOString(), asked.toISOString());

    // Each currency closes on its own: a euro posting of the same instant stays on its day.
    const euro = await postJournalEntry(models, { ...cashSale('euro-same-day', asked), currency: 'EUR' });
    assert.equal(euro.entry.postedAt.toISOString(), asked.toISOString());

    const served = await subgraph.request<{ journalEntries: { edges: { node: { postedAt: string; originalPostedAt: string | null } }[] } }>(
      `{ journalEntries(filter: { sourceType: "TEST_SALE", postedFrom: "2026-01-07T00:00:00Z", postedTo: "2026-01-07T00:00:00Z" }) { edges { node { postedAt originalPostedAt } } } }`,
      {},
      principals.analyst,
    );
    assert.deepEqual(
      served.data?.journalEntries.edges.map((edge) => edge.node),
      [{ postedAt: '2026-01-07T00:00:00.000Z', originalPostedAt: asked.toISOString() }],
    );
    // The closed days' exports did not move: the late posting is not in 2026-01-05.
    const exported = await journalExport('2026-01-05');
    assert.equal(
      exported.data?.journalExport.entryCount,
      await models.entries.countDocuments({ currency: 'USD', postedAt: { $gte: new Date('2026-01-05'), $lt: new Date('2026-01-06') } }),
    );
  });

  test("a closed day's export sums, per account, to exactly that day's movement in the trial balance, and balances", async () => {
    const capture = await models.entries.findOne({ 'source.type': 'ORDER_CAPTURED', currency: 'USD' }).sort({ postedAt: -1 }).lean();
    assert.ok(capture, 'the fixture history holds captures');
    const date = capture.postedAt.toISOString().slice(0, 10);
    const closed = await close(date, `close-history-${date}`);
    assert.equal(firstCode(closed), undefined);
    assert.equal(closed.data?.closeLedgerDay.journalExport.batchId, `JE-USD-${date.replaceAll('-', '')}`);

    const report = (await journalExport(date)).data!.journalExport;
    const perAccount = new Map<string, { debit: bigint; credit: bigint }>();
    let debits = 0n;
    let credits = 0n;
    for (const line of report.lines) {
      const debit = BigInt(line.debit.minorUnits);
      const credit = BigInt(line.credit.minorUnits);
      assert.equal(debit > 0n !== credit > 0n, true, 'every export line is one-sided');
      const sum = perAccount.get(line.account.code) ?? { debit: 0n, credit: 0n };
      perAccount.set(line.account.code, { debit: sum.debit + debit, credit: sum.credit + credit });
      debits += debit;
      credits += credit;
    }
    assert.ok(
      report.lines.some((line) => line.account.code === '1100' && line.channel && line.location),
      'captures are split per channel and store',
    );
    assert.deepEqual(perAccount, await trialMovement(date));
    assert.equal(debits, credits);
    assert.equal(BigInt(report.controlTotal.minorUnits), debits);
    assert.ok(debits > 0n);

    const rows = report.csv.trimEnd().split('\r\n');
    assert.equal(rows[0], '"batch_id","journal_date","currency","line","account","account_name","location","channel","debit","credit","source_lines"');
    assert.equal(rows.length, report.lines.length + 1);
    const json = JSON.parse(report.json) as { batchId: string; controlTotal: string; lines: { debit: string; credit: string }[] };
    assert.equal(json.batchId, report.batchId);
    assert.equal(json.lines.length, report.lines.length);
    const cents = (decimal: string) => BigInt(decimal.replace('.', ''));
    assert.equal(
      json.lines.reduce((sum, line) => sum + cents(line.debit), 0n),
      cents(json.controlTotal),
    );
    assert.equal(
      json.lines.reduce((sum, line) => sum + cents(line.credit), 0n),
      cents(json.controlTotal),
    );
  });

  test('each close publishes ledger.business-day-closed exactly once, from the write that took its export', async () => {
    const published = async () => subgraph.connection.collection('event_log').find({ type: 'ledger.business-day-closed' }).toArray();
    const deadline = Date.now() + 10_000;
    const closedDays = await models.closedDays.countDocuments();
    while ((await published()).length < closedDays && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    const events = await published();
    assert.deepEqual(
      events.map((event) => event['idempotencyKey']).sort(),
      (await models.closedDays.find().lean()).map((day) => `business-day-closed:${day._id}`).sort(),
    );
    assert.equal(await models.closedDays.countDocuments({ 'pendingEvents.id': { $exists: true } }), 0);
  });

  test('asking again returns the identical file, and repeating the close answers the first one', async () => {
    const date = '2026-01-05';
    const [first, second] = [await journalExport(date), await journalExport(date)];
    assert.equal(second.data?.journalExport.csv, first.data?.journalExport.csv);
    assert.equal(second.data?.journalExport.json, first.data?.journalExport.json);
    const before = await models.closedDays.findById(`USD|${date}`).lean();
    const again = await close(date, 'close-usd-2026-01-05');
    assert.equal(firstCode(again), undefined);
    assert.equal(again.data?.closeLedgerDay.closedAt, before?.closedAt.toISOString());
    const otherKey = await close(date, 'close-usd-2026-01-05-again');
    assert.equal(firstCode(otherKey), 'DAY_ALREADY_CLOSED');
    assert.deepEqual(await models.closedDays.findById(`USD|${date}`).lean(), before);
  });

  test('bad input, an open day or a caller without ledger:close gets a stable error code and changes nothing', async () => {
    const closedBefore = await models.closedDays.countDocuments();
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    assert.equal(firstCode(await close('2026-02-30', 'bad-date')), 'BAD_USER_INPUT');
    assert.equal(firstCode(await close('yesterday', 'bad-date-2')), 'BAD_USER_INPUT');
    assert.equal(firstCode(await close(tomorrow, 'not-begun')), 'BAD_USER_INPUT');
    assert.equal(firstCode(await close('2026-01-10', '$where')), 'BAD_USER_INPUT');
    assert.equal(firstCode(await close('2026-01-10', 'by-analyst', principals.analyst)), 'FORBIDDEN');
    assert.equal(firstCode(await close('2026-01-10', 'by-anonymous', principals.anonymous)), 'UNAUTHENTICATED');
    assert.equal(firstCode(await journalExport('2026-01-10')), 'DAY_NOT_CLOSED');
    assert.equal(firstCode(await journalExport('2026-01-05', 'EUR')), 'DAY_NOT_CLOSED');
    assert.equal(await models.closedDays.countDocuments(), closedBefore);
  });

  test('concurrent closes of one day under one key write one close and one export', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => close('2026-01-12', 'close-usd-2026-01-12')));
    assert.deepEqual(results.map(firstCode), Array(8).fill(undefined));
    assert.equal(new Set(results.map((result) => result.data?.closeLedgerDay.closedAt)).size, 1);
    assert.equal(await models.closedDays.countDocuments({ date: '2026-01-12' }), 1);
  });
});
