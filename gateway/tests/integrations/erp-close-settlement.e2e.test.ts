import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyDeliverySignature } from '@mesh/integration-subgraph';
import type { Principal } from '@mesh/server-kit';
import { principals } from '@mesh/test-kit';
import { errorCodes, startMeshUnderTest, type MeshUnderTest } from '../mesh-fixture.js';
import { placeOrder, setAvailable, until, webOrder } from '../workflows/workflow-kit.js';
import { decimal, journalExport, perAccount, sides, trialMovement, type JournalExportJson } from './journal-checks.js';
import { startReceiver, type TestReceiver } from './test-receivers.js';

// Daily close, ERP journal export and settlement import (issue 13), end to end: orders placed,
// shipped (captured) and one refunded through the gateway; the day closed and its journal pushed
// to a real HTTP "ERP" subscriber; a provider's settlement file imported. Every service a separate
// process on the embedded database and a real nats-server.

const WAREHOUSE = 'loc_wh_nj';
const RUN = Date.now().toString(36);
const { admin, analyst } = principals;
const DAY_MS = 86_400_000;

let meshUnderTest: MeshUnderTest | undefined;
let erp: TestReceiver | undefined;
const mesh = (): MeshUnderTest => {
  if (!meshUnderTest) throw new Error('mesh not started');
  return meshUnderTest;
};

before(
  async () => {
    meshUnderTest = await startMeshUnderTest({ INVENTORY_RELAY_INTERVAL_MS: '250', SUBGRAPH_TIMEOUT_MS: '60000', SUBSCRIBER_RETRY_BASE_MS: '100' });
    erp = await startReceiver('ok');
  },
  { timeout: 300_000 },
);
after(async () => {
  await erp?.close();
  await meshUnderTest?.stop();
});

interface MoneyJson {
  minorUnits: string;
}

async function gql<T>(query: string, variables: Record<string, unknown>, principal: Principal = admin): Promise<T> {
  const response = await mesh().query<T, Record<string, unknown>>(query, variables, principal);
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  return response.data!;
}

describe('daily close, ERP journal export and settlement import', () => {
  const orders: { id: string; capturedMinor: bigint }[] = [];
  let refundMinor = 0n;
  const today = new Date().toISOString().slice(0, 10);
  const dayStart = new Date(`${today}T00:00:00.000Z`);
  let exported: JournalExportJson | undefined;

  test(
    "orders are captured and one refunded; closing the day pushes its journal to the ERP, and the export equals the day's trial balance per account",
    { timeout: 300_000 },
    async () => {
      const REGISTER = `mutation($input: RegisterEventSubscriptionInput!) { registerEventSubscription(input: $input) { secret subscription { id } } }`;
      const { registerEventSubscription: registered } = await gql<{ registerEventSubscription: { secret: string; subscription: { id: string } } }>(REGISTER, {
        input: { url: erp!.url, topics: ['ledger.business-day-closed'], description: 'ERP general ledger' },
      });

      for (const [index, sku] of ['SKU-0005-01', 'SKU-0005-02'].entries()) {
        await setAvailable(mesh(), sku, WAREHOUSE, 5);
        const placed = await placeOrder(mesh(), webOrder(`erp-${RUN}-${index}`, 'cus_00041', WAREHOUSE, [{ sku, quantity: 1 }]));
        assert.equal(placed.status, 'CONFIRMED');
        const { shipOrder } = await gql<{ shipOrder: { status: string } }>(
          'mutation($id: ID!, $key: String!) { shipOrder(orderId: $id, idempotencyKey: $key) { status } }',
          { id: placed.orderId, key: `erp-${RUN}-ship-${index}` },
        );
        assert.equal(shipOrder.status, 'COMPLETED');
        const { order } = await gql<{ order: { payment: { captured: MoneyJson } } }>(
          'query($id: ID!) { order(id: $id) { payment { captured { minorUnits } } } }',
          { id: placed.orderId },
        );
        orders.push({ id: placed.orderId, capturedMinor: BigInt(order.payment.captured.minorUnits) });
      }
      refundMinor = orders[0]!.capturedMinor / 4n;
      const REFUND = `mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { __typename } }`;
      const { refundPayment } = await gql<{ refundPayment: { __typename: string } }>(REFUND, {
        input: { idempotencyKey: `erp-${RUN}-refund`, orderId: orders[0]!.id, amountMinor: String(refundMinor), currency: 'USD', reason: 'GOODWILL' },
      });
      assert.equal(refundPayment.__typename, 'RefundIssued');
      await until('captures and the refund posted in the ledger', 60_000, async () => {
        const { order: first } = await gql<{ order: { journalEntries: { source: { type: string } }[] } }>(
          'query($id: ID!) { order(id: $id) { journalEntries { source { type } } } }',
          { id: orders[0]!.id },
        );
        const { order: second } = await gql<{ order: { journalEntries: { source: { type: string } }[] } }>(
          'query($id: ID!) { order(id: $id) { journalEntries { source { type } } } }',
          { id: orders[1]!.id },
        );
        const types = [...first.journalEntries, ...second.journalEntries].map((entry) => entry.source.type);
        return types.filter((type) => type === 'ORDER_CAPTURED').length === 2 && types.includes('REFUND') ? true : undefined;
      });

      const CLOSE = `mutation($input: CloseLedgerDayInput!) { closeLedgerDay(input: $input) { date closedAt journalExport { batchId } } }`;
      assert.deepEqual(errorCodes(await mesh().query(CLOSE, { input: { date: today, currency: 'USD', idempotencyKey: `close-${RUN}` } }, analyst)), [
        'FORBIDDEN',
      ]);
      const { closeLedgerDay } = await gql<{ closeLedgerDay: { date: string; journalExport: { batchId: string } } }>(CLOSE, {
        input: { date: today, currency: 'USD', idempotencyKey: `close-${RUN}` },
      });
      assert.equal(closeLedgerDay.journalExport.batchId, `JE-USD-${today.replaceAll('-', '')}`);

      exported = await journalExport(mesh(), today);
      const totals = perAccount(exported.lines);
      assert.deepEqual(totals, await trialMovement(mesh(), dayStart, new Date(dayStart.getTime() + DAY_MS)));
      const { debit: debits, credit: credits } = sides(totals);
      assert.equal(debits, credits);
      assert.equal(BigInt(exported.controlTotal.minorUnits), debits);
      assert.equal(totals.get('1100')!.debit >= orders[0]!.capturedMinor + orders[1]!.capturedMinor, true, 'the captures are in the day');

      const delivery = await until('the journal pushed to the ERP', 30_000, async () =>
        erp!.accepted.find((received) => received.topic === 'ledger.business-day-closed'),
      );
      const data = delivery.envelope.data as { batchId: string; csv: string; controlTotalMinor: number };
      assert.equal(data.batchId, exported.batchId);
      assert.equal(data.csv, exported.csv);
      assert.equal(BigInt(data.controlTotalMinor), debits);
      assert.equal(
        verifyDeliverySignature({ body: delivery.rawBody, timestamp: delivery.timestamp, signature: delivery.signature, secret: registered.secret }),
        true,
      );

      // Re-export on demand: the same signed batch is pushed again, the same event id; nothing else is queued.
      const RESEND = `mutation($id: ID!) { resendEventDelivery(id: $id) { status } }`;
      await gql(RESEND, { id: `${registered.subscription.id}:${delivery.eventId}` });
      const again = await until('the journal pushed again', 30_000, async () => {
        const pushed = erp!.accepted.filter((received) => received.eventId === delivery.eventId);
        return pushed.length === 2 ? pushed[1] : undefined;
      });
      assert.equal(again.envelope.data['csv'], exported.csv);
      assert.equal(erp!.accepted.filter((received) => received.topic === 'ledger.business-day-closed').length, 2);
    },
  );

  test(
    'a settlement import posts its fees, chargeback and payout (into the next open day), card clearing balances to the payout, and re-import and re-export change nothing',
    { timeout: 120_000 },
    async () => {
      assert.ok(exported, 'the day was closed and exported');
      const [first, second] = orders as [{ id: string; capturedMinor: bigint }, { id: string; capturedMinor: bigint }];
      // The shopper of the second order disputed half of it: the provider took that back, with a 15.00 dispute fee.
      const chargebackMinor = second.capturedMinor / 2n;
      const fees = [(first.capturedMinor * 3n) / 100n, (second.capturedMinor * 3n) / 100n, 1_500n];
      const bookedAt = new Date().toISOString();
      const nets = [first.capturedMinor - fees[0]!, second.capturedMinor - fees[1]!, -refundMinor, -chargebackMinor - fees[2]!];
      const payout = nets.reduce((sum, net) => sum + net, 0n);
      assert.ok(payout > 0n, `the provider pays out (${payout})`);
      const csv = [
        'settlement_id,line_id,type,reference,currency,gross,fee,net,booked_at',
        `po_${RUN},t1,capture,${first.id},USD,${decimal(first.capturedMinor)},${decimal(fees[0]!)},${decimal(nets[0]!)},${bookedAt}`,
        `po_${RUN},t2,capture,${second.id},USD,${decimal(second.capturedMinor)},${decimal(fees[1]!)},${decimal(nets[1]!)},${bookedAt}`,
        `po_${RUN},t3,refund,${first.id},USD,${decimal(-refundMinor)},0.00,${decimal(nets[2]!)},${bookedAt}`,
        `po_${RUN},t4,chargeback,${second.id},USD,${decimal(-chargebackMinor)},${decimal(fees[2]!)},${decimal(nets[3]!)},${bookedAt}`,
        `po_${RUN},p1,payout,,USD,${decimal(payout)},0.00,${decimal(payout)},${bookedAt}`,
      ].join('\r\n');
      const tomorrow = new Date(dayStart.getTime() + DAY_MS);
      const later = new Date(dayStart.getTime() + 2 * DAY_MS);
      const beforeImport = await trialMovement(mesh(), tomorrow, later);

      const IMPORT = `mutation($input: ImportSettlementReportInput!) { importSettlementReport(input: $input) { id status matchedLines exceptionCount journalEntryIds } }`;
      const bad = await mesh().query(IMPORT, { input: { provider: 'stripe', csv: csv.replace(decimal(payout), decimal(payout + 1n)) } }, admin);
      assert.deepEqual(errorCodes(bad), ['INVALID_SETTLEMENT_FILE']);
      const { importSettlementReport: report } = await gql<{
        importSettlementReport: { id: string; status: string; matchedLines: number; exceptionCount: number; journalEntryIds: string[] };
      }>(IMPORT, { input: { provider: 'stripe', csv } });
      assert.deepEqual(
        { status: report.status, matchedLines: report.matchedLines, exceptionCount: report.exceptionCount, entries: report.journalEntryIds.length },
        { status: 'POSTED', matchedLines: 4, exceptionCount: 0, entries: 5 },
      );

      // Booked into the closed day, the postings land at the start of the next open day.
      const { journalEntries } = await gql<{ journalEntries: { edges: { node: { postedAt: string; originalPostedAt: string | null } }[] } }>(
        `query($from: DateTime!) { journalEntries(filter: { sourceType: "SETTLEMENT_PAYOUT", postedFrom: $from }) { edges { node { postedAt originalPostedAt } } } }`,
        { from: tomorrow.toISOString() },
        analyst,
      );
      assert.deepEqual(
        journalEntries.edges.map((edge) => edge.node),
        [{ postedAt: tomorrow.toISOString(), originalPostedAt: new Date(bookedAt).toISOString() }],
      );
      const afterImport = await trialMovement(mesh(), tomorrow, later);
      const moved = (code: string) => {
        const now = afterImport.get(code) ?? { debit: 0n, credit: 0n };
        const then = beforeImport.get(code) ?? { debit: 0n, credit: 0n };
        return { debit: now.debit - then.debit, credit: now.credit - then.credit };
      };
      const feeTotal = fees.reduce((sum, fee) => sum + fee, 0n);
      assert.deepEqual(moved('5200'), { debit: feeTotal, credit: 0n });
      assert.deepEqual(moved('5300'), { debit: chargebackMinor, credit: 0n });
      assert.deepEqual(moved('1000'), { debit: payout, credit: 0n });
      assert.deepEqual(moved('1100'), { debit: 0n, credit: feeTotal + chargebackMinor + payout });
      // The payout reconciled against card clearing: what the settlement took out of 1100 is exactly
      // what the mesh put in for these orders (the captures, less the refund).
      assert.equal(feeTotal + chargebackMinor + payout, first.capturedMinor + second.capturedMinor - refundMinor);

      // Re-import and re-export change nothing.
      const again = await gql<{ importSettlementReport: { id: string; journalEntryIds: string[] } }>(IMPORT, { input: { provider: 'stripe', csv } });
      assert.deepEqual(again.importSettlementReport.journalEntryIds, report.journalEntryIds);
      assert.deepEqual(await trialMovement(mesh(), tomorrow, later), afterImport);
      const reexported = await journalExport(mesh(), today);
      assert.equal(reexported.csv, exported.csv);
      assert.equal(reexported.json, exported.json);
      assert.deepEqual(perAccount(reexported.lines), await trialMovement(mesh(), dayStart, tomorrow));
      const { settlementExceptions } = await gql<{ settlementExceptions: unknown[] }>('{ settlementExceptions { id } }', {}, analyst);
      assert.deepEqual(settlementExceptions, []);
    },
  );
});
