/**
 * Takes the README's screenshots of the operations console (docs/console/*.png): starts a
 * throwaway mesh with a small order history, makes something happen on every page (orders placed
 * while the KPIs are open, a poison event, a till sale beyond stock), and photographs each page in
 * headless Chromium (CHROMIUM_BIN, or chromium on PATH).
 *   npm run screenshots:console
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import puppeteer from 'puppeteer-core';
import { connectJetStreamBus } from '@mesh/events';
import { signDevToken } from '@mesh/gateway';
import { GatewayClient, startMesh } from '@mesh/mesh-runner';
import { taxOf } from '@mesh/seed-data';
import { shipmentWithLostPlacement } from '@mesh/test-kit';

const OUT = 'docs/console';
const chromium = process.env['CHROMIUM_BIN'] ?? '/usr/bin/chromium';
const dataDir = await mkdtemp(join(tmpdir(), 'console-screenshots-'));
console.log('starting a mesh with a small order history...');
const mesh = await startMesh({
  persistent: false,
  dataDir,
  env: { LOG_LEVEL: 'error', EVENT_MAX_DELIVER: '2', EVENT_RETRY_BACKOFF_MS: '200' },
  log: () => undefined,
  history: { size: 40, adminToken: () => signDevToken({ role: 'admin', subject: 'seed-history' }) },
});
const browser = await puppeteer.launch({ executablePath: chromium, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
try {
  const adminToken = await signDevToken({ role: 'admin', subject: 'ops-lead' });
  const admin = new GatewayClient(mesh.gatewayUrl, adminToken);
  const associate = new GatewayClient(mesh.gatewayUrl, await signDevToken({ role: 'associate', subject: 'till-nyc01', storeId: 'loc_nyc01' }));
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 860 });
  const origin = new URL(mesh.gatewayUrl).origin;
  await page.goto(`${origin}/console/`);
  await page.evaluate(`sessionStorage.setItem('mesh-console-token', ${JSON.stringify(adminToken)})`);
  await page.reload();
  /** Opens a page of the console (a hash change: the signed-in session stays). */
  const show = async (hash: string, settleMs: number) => {
    await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
    await sleep(settleMs);
  };
  const shoot = async (name: string) => {
    await page.screenshot({ path: join(OUT, `${name}.png`) as `${string}.png`, fullPage: true });
    console.log(`  ${OUT}/${name}.png`);
  };
  await mkdir(OUT, { recursive: true });

  // KPIs: a trickle of web orders while the page charts them.
  await show('#kpis', 1000);
  const placed: string[] = [];
  for (let index = 0; index < 10; index += 1) {
    const { placeOrder } = await admin.request<{ placeOrder: { order: { id: string } } }>(
      'PlaceOrder',
      'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { ... on OrderPlaced { order { id } } ... on OrderRejected { order { id } } } }',
      {
        input: {
          idempotencyKey: `screenshot-${Date.now()}-${index}`,
          channel: 'WEB',
          customerId: 'cus_00032',
          currency: 'USD',
          lines: [{ sku: 'SKU-0006-01', quantity: 1 }],
          fulfillment: { type: 'SHIP', locationId: 'loc_wh_nj' },
        },
      },
    );
    placed.push(placeOrder.order.id);
    await sleep(index % 3 === 0 ? 2500 : 900);
  }
  await sleep(2500);
  await shoot('kpis');

  // Trace: one of those orders shipped, so the ledger has posted it.
  const traced = placed[0]!;
  await sleep(1500);
  await admin.request('ShipOrder', 'mutation ($id: ID!, $key: String!) { shipOrder(orderId: $id, idempotencyKey: $key) { status } }', {
    id: traced,
    key: `screenshot-ship-${traced}`,
  });
  await sleep(3000);
  const { order } = await admin.request<{ order: { number: string } }>('Order', 'query ($id: ID!) { order(id: $id) { number } }', { id: traced });
  await show(`#trace/${order.number}`, 2500);
  await shoot('trace');

  // Dead letters: a shipment for an order inventory never reserved.
  const bus = await connectJetStreamBus({ servers: mesh.natsUrl, name: 'screenshot-poison' });
  const { shipped } = shipmentWithLostPlacement({ orderId: 'ord_lost_1', orderNumber: 'W-LOST-1', correlationId: 'corr-lost-placement' });
  await bus.publish(shipped);
  await bus.close();
  await show('#dead-letters', 3500);
  await shoot('dead-letters');

  // Stock exceptions: a till sale of more than the store had on record.
  const sku = 'SKU-0004-02';
  const { availability } = await admin.request<{ availability: Array<{ levels: Array<{ reserved: number; safetyStock: number }> }> }>(
    'StockLevel',
    'query ($sku: ID!) { availability(skus: [$sku], locationIds: ["loc_nyc01"]) { levels { reserved safetyStock } } }',
    { sku },
  );
  const level = availability[0]!.levels[0]!;
  await admin.request('CycleCount', 'mutation ($input: RecordStockMovementInput!) { recordStockMovement(input: $input) { __typename } }', {
    input: {
      sku,
      locationId: 'loc_nyc01',
      type: 'CYCLE_COUNT',
      quantity: level.reserved + 1,
      idempotencyKey: `screenshot-count-${Date.now()}`,
      reason: 'screenshot set-up',
    },
  });
  const net = 1999 * 3;
  await associate
    .request(
      'SyncPos',
      'mutation ($store: ID!, $tx: [PosTransactionInput!]!) { syncPosTransactions(storeId: $store, transactions: $tx) { results { outcome } } }',
      {
        store: 'loc_nyc01',
        tx: [
          {
            localId: `screenshot-till-${Date.now()}`,
            deviceId: 'till-7',
            sequence: 1,
            occurredAt: new Date().toISOString(),
            currency: 'USD',
            lines: [{ sku, quantity: 3, unitPriceMinor: '1999' }],
            payment: { method: 'CARD', amountMinor: String(net + taxOf(net, 'USD')) },
          },
        ],
      },
    )
    .catch((error: unknown) => console.warn(`till sale: ${String(error)}`));
  await show('#stock-exceptions', 6000);
  await shoot('stock-exceptions');

  await show('#reconciliation', 2500);
  await shoot('reconciliation');
  await show('#health', 2500);
  await shoot('health');
} finally {
  await browser.close();
  await mesh.stop();
  await rm(dataDir, { recursive: true, force: true });
}
