import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Principal } from '@mesh/server-kit';
import { principals } from '@mesh/test-kit';
import { startMeshUnderTest, type MeshUnderTest } from '../mesh-fixture.js';
import { setAvailable, until } from '../workflows/workflow-kit.js';
import { decimal, journalExport, perAccount, sides, trialMovement } from './journal-checks.js';
import { deliver, SHOP, shopifyOrder, shopifyRefund, WEBHOOK_SECRET } from './shopify-fixtures.js';
import { CARRIER_SECRET, postCarrierMilestone } from './carrier-milestones.js';

// Issue 13's acceptance, end to end over real HTTP with every service a separate process (embedded
// database, real nats-server): a Shopify orders/create webhook becomes an external-channel order; a
// carrier's signed milestones ship and deliver it; a Shopify refunds/create pays part of it back;
// the business day is closed and its journal exported; the export balances with the trial balance.
// Asynchronous steps are awaited by watching state through the graph, never by fixed sleeps.

const WAREHOUSE = 'loc_wh_nj';
const SHOPIFY_LOCATION = 655441491;
const SKU = 'SKU-0004-01';
const RUN = Date.now() % 1_000_000;
const SHOPIFY_ORDER_ID = 6_000_000_000 + RUN;
const DAY_MS = 86_400_000;
const { admin, analyst } = principals;

let meshUnderTest: MeshUnderTest | undefined;
const mesh = (): MeshUnderTest => {
  if (!meshUnderTest) throw new Error('mesh not started');
  return meshUnderTest;
};
const integrationUrl = (path: string) => mesh().mesh.subgraphUrls.integration.replace(/\/graphql$/, path);

before(
  async () => {
    meshUnderTest = await startMeshUnderTest({
      SHOPIFY_WEBHOOK_SECRET: WEBHOOK_SECRET,
      FULFILMENT_WEBHOOK_SECRET: CARRIER_SECRET,
      INTEGRATION_WORKER_INTERVAL_MS: '250',
      INVENTORY_RELAY_INTERVAL_MS: '250',
      SUBGRAPH_TIMEOUT_MS: '60000',
    });
  },
  { timeout: 300_000 },
);
after(async () => {
  await meshUnderTest?.stop();
});

async function gql<T>(query: string, variables: Record<string, unknown> = {}, principal: Principal = admin): Promise<T> {
  const response = await mesh().query<T, Record<string, unknown>>(query, variables, principal);
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  return response.data!;
}

interface MessageView {
  status: string;
  exception: { code: string; message: string } | null;
  order: { id: string } | null;
}

/** Waits until the integration worker has settled inbound message `id` (PROCESSED or EXCEPTION). */
async function settled(id: string): Promise<MessageView> {
  const MESSAGE = `query($id: ID!) { inboundMessage(id: $id) { status exception { code message } order { id } } }`;
  return until(`inbound message ${id} to be processed`, 30_000, async () => {
    const { inboundMessage } = await gql<{ inboundMessage: MessageView | null }>(MESSAGE, { id });
    return inboundMessage && inboundMessage.status !== 'RECEIVED' ? inboundMessage : undefined;
  });
}

const postMilestone = (eventId: string, body: Record<string, unknown>) => postCarrierMilestone(mesh().mesh.subgraphUrls.integration, eventId, body);

interface OrderView {
  status: string;
  channel: string;
  externalPayment: { provider: string; reference: string } | null;
  fulfillment: { tracking: { carrier: string; trackingNumber: string } | null; deliveredAt: string | null };
  totals: { total: { minorUnits: string } };
  payment: { captured: { minorUnits: string }; refunded: { minorUnits: string } };
  journalEntries: {
    source: { type: string };
    postedAt: string;
    lines: { account: { code: string }; debit: { minorUnits: string }; credit: { minorUnits: string } }[];
  }[];
}
const ORDER = `query($id: ID!) { order(id: $id) {
  status channel externalPayment { provider reference }
  fulfillment { tracking { carrier trackingNumber } deliveredAt }
  totals { total { minorUnits } }
  payment { captured { minorUnits } refunded { minorUnits } }
  journalEntries { source { type } postedAt lines { account { code } debit { minorUnits } credit { minorUnits } } }
} }`;
const orderView = async (id: string) => (await gql<{ order: OrderView }>(ORDER, { id })).order;

/** The export's CSV summed by its debit and credit columns (every field quoted, CRLF, a header row). */
function csvSides(csv: string): { rows: number; debit: string; credit: string } {
  const [header, ...rows] = csv
    .trim()
    .split('\r\n')
    .map((row) => row.slice(1, -1).split('","'));
  const [debitAt, creditAt] = [header!.indexOf('debit'), header!.indexOf('credit')];
  const minor = (text: string | undefined) => BigInt((text ?? '').replace('.', ''));
  const sum = (at: number) => decimal(rows.reduce((total, row) => total + minor(row[at]), 0n));
  return { rows: rows.length, debit: sum(debitAt), credit: sum(creditAt) };
}

describe('a Shopify order end to end: webhook in, fulfilled, refunded, day closed, journal exported', () => {
  test(
    "the storefront order's capture and refund reach the ERP export, which balances with the trial balance per account and in its control total",
    { timeout: 300_000 },
    async () => {
      await gql(`mutation($input: SetIntegrationMappingInput!) { setIntegrationMapping(input: $input) { internalId } }`, {
        input: { kind: 'LOCATION', system: 'shopify', externalId: String(SHOPIFY_LOCATION), internalId: WAREHOUSE },
      });
      await setAvailable(mesh(), SKU, WAREHOUSE, 5);

      // 1. orders/create, signed over the raw body: answered at once, processed asynchronously.
      const created = await deliver(
        integrationUrl('/webhooks/shopify'),
        'orders/create',
        `e2e-create-${RUN}`,
        shopifyOrder(SHOPIFY_ORDER_ID, [{ sku: SKU, quantity: 2, priceMinor: 4250 }], { locationId: SHOPIFY_LOCATION }),
      );
      assert.deepEqual([created.status, created.body.status], [200, 'accepted']);
      const placed = await settled(`shopify:${SHOP}:e2e-create-${RUN}`);
      assert.equal(placed.status, 'PROCESSED', JSON.stringify(placed.exception));
      const orderId = placed.order!.id;
      const confirmed = await until('the storefront order to be confirmed', 30_000, async () => {
        const current = await orderView(orderId);
        return current.status === 'CONFIRMED' ? current : undefined;
      });
      assert.equal(confirmed.channel, 'WEB');
      assert.deepEqual(confirmed.externalPayment, { provider: 'shopify', reference: `${SHOP}/orders/${SHOPIFY_ORDER_ID}` });
      const totalMinor = BigInt(confirmed.totals.total.minorUnits);
      assert.equal(totalMinor, 2n * 4250n + 680n, 'two units at 42.50 plus 8% tax');

      // 2. The carrier ships it (the payment is captured) and then delivers it.
      const trackingNumber = `1ZE2E${RUN}`;
      const at = new Date().toISOString();
      const shippedPost = await postMilestone(`e2e-shipped-${RUN}`, { orderId, milestone: 'SHIPPED', carrier: 'UPS', trackingNumber, occurredAt: at });
      assert.deepEqual([shippedPost.status, shippedPost.body.status], [200, 'accepted']);
      assert.equal((await settled(`fulfilment:ups:e2e-shipped-${RUN}`)).status, 'PROCESSED');
      const deliveredPost = await postMilestone(`e2e-delivered-${RUN}`, { orderId, milestone: 'DELIVERED', carrier: 'UPS', trackingNumber, occurredAt: at });
      assert.equal(deliveredPost.status, 200);
      assert.equal((await settled(`fulfilment:ups:e2e-delivered-${RUN}`)).status, 'PROCESSED');
      const fulfilled = await orderView(orderId);
      assert.equal(fulfilled.status, 'COMPLETED');
      assert.deepEqual(fulfilled.fulfillment, { tracking: { carrier: 'UPS', trackingNumber }, deliveredAt: at });
      assert.equal(BigInt(fulfilled.payment.captured.minorUnits), totalMinor);

      // 3. refunds/create pays part of it back (only the successful refund transaction counts).
      const refundMinor = 1_500n;
      const refunded = await deliver(
        integrationUrl('/webhooks/shopify'),
        'refunds/create',
        `e2e-refund-${RUN}`,
        shopifyRefund(SHOPIFY_ORDER_ID + 1, SHOPIFY_ORDER_ID, Number(refundMinor)),
      );
      assert.deepEqual([refunded.status, refunded.body.status], [200, 'accepted']);
      const refundMessage = await settled(`shopify:${SHOP}:e2e-refund-${RUN}`);
      assert.equal(refundMessage.status, 'PROCESSED', JSON.stringify(refundMessage.exception));
      assert.equal(refundMessage.order?.id, orderId);

      // 4. The ledger posts the capture and the refund from the order events.
      const posted = await until('the capture and the refund posted in the ledger', 60_000, async () => {
        const current = await orderView(orderId);
        const types = current.journalEntries.map((entry) => entry.source.type);
        return types.includes('ORDER_CAPTURED') && types.includes('REFUND') ? current : undefined;
      });
      assert.equal(BigInt(posted.payment.refunded.minorUnits), refundMinor);
      const clearing = (type: string, side: 'debit' | 'credit') =>
        posted.journalEntries
          .filter((entry) => entry.source.type === type)
          .flatMap((entry) => entry.lines)
          .filter((line) => line.account.code === '1100')
          .reduce((sum, line) => sum + BigInt(line[side].minorUnits), 0n);
      assert.equal(clearing('ORDER_CAPTURED', 'debit'), totalMinor, 'the capture debits card clearing');
      assert.equal(clearing('REFUND', 'credit'), refundMinor, 'the refund credits it back');

      // 5. The business day is closed and its journal exported.
      const today = new Date().toISOString().slice(0, 10);
      const dayStart = new Date(`${today}T00:00:00.000Z`);
      const dayEnd = new Date(dayStart.getTime() + DAY_MS);
      for (const entry of posted.journalEntries) {
        const postedAt = new Date(entry.postedAt).getTime();
        assert.ok(postedAt >= dayStart.getTime() && postedAt < dayEnd.getTime(), `the ${entry.source.type} entry is dated in ${today}`);
      }
      const CLOSE = `mutation($input: CloseLedgerDayInput!) { closeLedgerDay(input: $input) { date journalExport { batchId } } }`;
      const { closeLedgerDay } = await gql<{ closeLedgerDay: { date: string; journalExport: { batchId: string } } }>(CLOSE, {
        input: { date: today, currency: 'USD', idempotencyKey: `e2e-close-${RUN}` },
      });
      assert.equal(closeLedgerDay.journalExport.batchId, `JE-USD-${today.replaceAll('-', '')}`);
      const exported = await journalExport(mesh(), today);
      assert.equal(exported.batchId, closeLedgerDay.journalExport.batchId);

      // 6. The export balances with the trial balance: per account, and in its control total.
      const totals = perAccount(exported.lines);
      assert.deepEqual(totals, await trialMovement(mesh(), dayStart, dayEnd));
      const { debit, credit } = sides(totals);
      assert.equal(debit, credit);
      assert.equal(BigInt(exported.controlTotal.minorUnits), debit);
      assert.ok(totals.get('1100')!.debit >= totalMinor && totals.get('1100')!.credit >= refundMinor, "the order's capture and refund are in the export");
      // The CSV an ERP imports says the same: its debit and credit columns each sum to the control total.
      const file = csvSides(exported.csv);
      assert.equal(file.rows, exported.lines.length);
      assert.deepEqual([file.debit, file.credit], [decimal(debit), decimal(credit)]);
      const json = JSON.parse(exported.json) as { batchId: string; controlTotal: string; lines: unknown[] };
      assert.deepEqual([json.batchId, json.controlTotal, json.lines.length], [exported.batchId, decimal(debit), exported.lines.length]);

      // Asking again answers the identical file.
      const again = await journalExport(mesh(), today);
      assert.deepEqual([again.csv, again.json], [exported.csv, exported.json]);
      const { trialBalance } = await gql<{ trialBalance: { balanced: boolean } }>(`{ trialBalance(currency: USD) { balanced } }`, {}, analyst);
      assert.equal(trialBalance.balanced, true);
    },
  );
});
