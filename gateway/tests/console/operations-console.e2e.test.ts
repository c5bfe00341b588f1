import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectJetStreamBus, type EventBus } from '@mesh/events';
import { createLogger } from '@mesh/server-kit';
import { taxOf } from '@mesh/seed-data';
import { principals, shipmentWithLostPlacement } from '@mesh/test-kit';
import { consoleRoutes } from '../../src/console/console-routes.js';
import { readGatewayConfig } from '../../src/config.js';
import { signDevToken } from '../../src/module.js';
import { ShipOrderDocument } from '../__generated__/operations.js';
import { chromiumForThisFile } from '../clienteling/headless-chromium.js';
import { startMeshUnderTest, type MeshUnderTest } from '../mesh-fixture.js';
import { admin, placeOrder, setAvailable, until, webOrder } from '../workflows/workflow-kit.js';

// The operations console in headless Chromium against the whole mesh: every figure it shows came
// through the gateway's /graphql with the bearer token typed into its sign-in form.
const RUN = Date.now().toString(36);
const WAREHOUSE = 'loc_wh_nj';

// Chromium first: a machine without it fails at once, before the mesh starts.
const tab = chromiumForThisFile();
let meshUnderTest: MeshUnderTest | undefined;
let orderDomain: EventBus | undefined;
const mesh = (): MeshUnderTest => meshUnderTest ?? assert.fail('mesh not started');

before(
  async () => {
    // Two deliveries 200 ms apart before a dead letter, so a poison event shows in a second.
    meshUnderTest = await startMeshUnderTest({
      EVENT_MAX_DELIVER: '2',
      EVENT_RETRY_BACKOFF_MS: '200',
      INVENTORY_RELAY_INTERVAL_MS: '50',
      ORDER_RELAY_INTERVAL_MS: '50',
    });
    // Stands in for a misbehaving order domain: publishes events straight onto the bus.
    orderDomain = await connectJetStreamBus({ servers: mesh().mesh.natsUrl, name: 'console-test-order-stand-in' });
  },
  { timeout: 300_000 },
);
after(async () => {
  await orderDomain?.close();
  await meshUnderTest?.stop();
});

/** Resolves with the value of `expression` in the page once it is truthy (checked every 50 ms). */
const inPage = <T>(expression: string, what: string, timeoutMs = 20_000): Promise<T> =>
  tab().evaluate<T>(
    `new Promise((resolve, reject) => {
      const started = Date.now();
      (function check() {
        let value;
        try { value = (${expression}); } catch (error) { value = undefined; }
        if (value) return resolve(value);
        if (Date.now() - started > ${timeoutMs}) return reject(new Error(${JSON.stringify(`timed out: ${what}`)} + ' (message: ' + document.getElementById('message').textContent + ')'));
        setTimeout(check, 50);
      })();
    })`,
    timeoutMs + 5000,
  );

/** Opens the console afresh (no remembered token) and signs in with `token` through its form. */
async function signIn(token: string): Promise<void> {
  const consoleUrl = `${new URL(mesh().mesh.gatewayUrl).origin}/console/`;
  await tab().open(consoleUrl);
  await tab().evaluate('sessionStorage.clear()');
  await tab().open(consoleUrl);
  await inPage(`document.getElementById('token')`, 'the sign-in form');
  await tab().evaluate(`(() => {
    document.getElementById('token').value = ${JSON.stringify(token)};
    document.querySelector('#sign-in button[type="submit"]').click();
  })()`);
}

const go = (hash: string) => tab().evaluate(`location.hash = ${JSON.stringify(hash)}`);

interface TraceAnswer {
  trace: { steps: Array<{ domain: string; kind: string }> };
}
const traceOf = async (correlationId: string) => {
  const response = await mesh().query<TraceAnswer, { id: string }>(
    'query ($id: String!) { trace(correlationId: $id) { steps { domain kind } } }',
    { id: correlationId },
    admin,
  );
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  return response.data!.trace.steps;
};

describe('the operations console in headless Chromium', () => {
  test('a customer token is refused with a message saying who the console is for; an analyst signs in', async () => {
    await signIn(await signDevToken(principals.customer('cus_00041')));
    const refused = await inPage<string>(`document.getElementById('message').textContent`, 'a refusal');
    assert.equal(refused, 'The operations console is for analysts and admins: a token with the role "customer" is refused.');
    assert.equal(await tab().evaluate<boolean>(`document.getElementById('nav').hidden`), true, 'no page is shown');

    await signIn(await signDevToken(principals.analyst));
    assert.equal(await inPage<string>(`document.getElementById('role')?.dataset.role`, 'the signed-in role'), 'analyst');
  });

  let tracedOrder: { number: string; correlationId: string } | undefined;

  test('the KPI chart shows the orders placed while it is open', { timeout: 90_000 }, async () => {
    await go('#kpis');
    const points = `JSON.parse(document.getElementById('orders-chart')?.dataset.points ?? '{}')`;
    await inPage(`(${points}).placed?.length >= 1`, 'a first KPI sample');
    const placed = [];
    for (const index of [1, 2]) {
      const answer = await placeOrder(mesh(), webOrder(`${RUN}-kpi-${index}`, 'cus_00032', WAREHOUSE, [{ sku: 'SKU-0006-01', quantity: 1 }]));
      assert.equal(answer.typename, 'OrderPlaced');
      placed.push(answer);
    }
    const series = await inPage<{ placed: number[]; placedInInterval: number[] }>(
      `(() => { const p = ${points}; return p.placed.at(-1) === 2 && p; })()`,
      'two orders on the chart',
    );
    assert.equal(series.placed[0], 0, 'the chart starts from none placed since it opened');
    assert.equal(
      series.placedInInterval.reduce((sum, value) => sum + value, 0),
      2,
      'the per-interval series adds up to the two orders',
    );
    assert.equal(await tab().evaluate<string>(`document.querySelector('[data-kpi="placed"] strong').textContent`), '2');

    // The second order is taken through to the ledger for the trace search below.
    const order = placed[1]!;
    await until(`order ${order.orderId} confirmed`, 30_000, async () => {
      const response = await mesh().query<{ order: { status: string } | null }, { id: string }>(
        'query ($id: ID!) { order(id: $id) { status } }',
        { id: order.orderId },
        admin,
      );
      return response.data?.order?.status === 'CONFIRMED' ? true : undefined;
    });
    const shipped = await mesh().query(ShipOrderDocument, { orderId: order.orderId, idempotencyKey: `${RUN}-ship` }, admin);
    assert.equal(shipped.errors, undefined, JSON.stringify(shipped.errors));
    const read = await mesh().query<{ order: { number: string; correlationId: string } }, { id: string }>(
      'query ($id: ID!) { order(id: $id) { number correlationId } }',
      { id: order.orderId },
      admin,
    );
    tracedOrder = read.data!.order;
  });

  test("the latency and waiting-work charts show the KPIs only the services' metrics hold, read through the graph", { timeout: 60_000 }, async () => {
    // The orders above were recorded by the ledger and their reservations published by inventory.
    const points = (id: string) => `JSON.parse(document.getElementById('${id}')?.dataset.points ?? '{}')`;
    const latency = await inPage<{ placedToLedgerMs: number[]; movementToAvailabilityMs: number[] }>(
      `(() => { const p = ${points('latency-chart')}; return p.placedToLedgerMs?.length >= 1 && p.movementToAvailabilityMs?.length >= 1 && p; })()`,
      'order placed -> ledger and stock change -> availability on the latency chart',
    );
    for (const value of [...latency.placedToLedgerMs, ...latency.movementToAvailabilityMs]) assert.ok(value >= 0 && value < 60_000, `a latency of ${value} ms`);
    const waiting = await inPage<{ oldestPendingSeconds: number[]; consumerBacklog: number[] }>(
      `(() => { const p = ${points('backlog-chart')}; return p.consumerBacklog?.length >= 1 && p; })()`,
      'the waiting-work chart',
    );
    assert.ok(waiting.oldestPendingSeconds.every((value) => value >= 0));
    assert.ok(waiting.consumerBacklog.every((value) => Number.isInteger(value) && value >= 0));
    assert.equal(await tab().evaluate<string>(`document.getElementById('message').textContent`), '', 'no KPI query failed');

    // The same figures through the gateway: each domain answered its own fields.
    const direct = await mesh().query<
      {
        liveKpis: {
          orderPlacedToLedger: { count: number; p99Seconds: number | null };
          stockMovementToAvailability: { count: number };
          oldestPendingOrderAgeSeconds: number;
        };
      },
      Record<string, never>
    >('{ liveKpis { orderPlacedToLedger { count p99Seconds } stockMovementToAvailability { count } oldestPendingOrderAgeSeconds } }', {}, admin);
    assert.equal(direct.errors, undefined, JSON.stringify(direct.errors));
    assert.ok(direct.data!.liveKpis.orderPlacedToLedger.count >= 2 && direct.data!.liveKpis.orderPlacedToLedger.p99Seconds! > 0);
    assert.ok(direct.data!.liveKpis.stockMovementToAvailability.count >= 2);
    const refused = await mesh().query('{ liveKpis { ledgerConsumerBacklog } }', {}, principals.associate);
    assert.equal(refused.errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
  });

  test('a search by order number shows the order, inventory and ledger steps in time order; an unknown id shows "not found"', { timeout: 60_000 }, async () => {
    const order = tracedOrder ?? assert.fail('no order was placed');
    await until('the ledger posted the shipped order', 30_000, async () =>
      (await traceOf(order.correlationId)).some((step) => step.domain === 'LEDGER') ? true : undefined,
    );
    await go(`#trace`);
    await inPage(`document.getElementById('trace-form')`, 'the trace form');
    await tab().evaluate(`(() => {
      document.getElementById('trace-query').value = ${JSON.stringify(order.number)};
      document.getElementById('trace-form').requestSubmit();
    })()`);
    await inPage(`document.querySelector('#trace-result [data-state="found"]')`, 'the trace');
    const rows = await tab().evaluate<Array<{ domain: string; at: string }>>(
      `[...document.querySelectorAll('#trace-result tr[data-domain]')].map((row) => ({ domain: row.dataset.domain, at: row.dataset.at }))`,
    );
    assert.deepEqual([...new Set(rows.map((row) => row.domain))].sort(), ['INVENTORY', 'LEDGER', 'ORDER']);
    const times = rows.map((row) => Date.parse(row.at));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
      'steps in time order',
    );
    assert.equal(rows.length, (await traceOf(order.correlationId)).length, 'every step of the workflow is shown');
    assert.equal(await tab().evaluate<string>(`document.getElementById('trace-correlation-id').textContent`), order.correlationId);
    assert.ok(await tab().evaluate<boolean>(`Boolean(document.querySelector('#trace-chart'))`), 'the timeline chart is drawn');

    await tab().evaluate(`(() => {
      document.getElementById('trace-query').value = 'no-such-correlation-${RUN}';
      document.getElementById('trace-form').requestSubmit();
    })()`);
    const notFound = await inPage<string>(`document.querySelector('#trace-result [data-state="not-found"]')?.textContent`, '"not found"');
    assert.match(notFound, /^Not found/);
    assert.equal(await tab().evaluate<string>(`document.getElementById('message').textContent`), '', 'no error shown');
  });

  test(
    "a poison event shows in the dead letters with its reason; the analyst's replay is refused FORBIDDEN; after the fix the admin's replay processes it once and it leaves the list",
    { timeout: 90_000 },
    async () => {
      const bus = orderDomain ?? assert.fail('no bus');
      const orderId = `ord_console_${RUN}`;
      const correlationId = `console-poison-${RUN}`;
      const { placed, shipped } = shipmentWithLostPlacement({ orderId, orderNumber: `W-CON-${RUN}`, correlationId, locationId: WAREHOUSE });
      const row = `#dead-letters tr[data-event-id="${shipped.id}"][data-consumer="inventory-order-events"]`;

      // The poison: the shipment arrives while inventory holds no reservation for the order.
      await go('#dead-letters');
      await bus.publish(shipped);
      const reason = await inPage<string>(`document.querySelector('${row} [data-field="reason"]')?.textContent`, 'the dead letter in the console');
      assert.match(reason, /no decided reservation/);

      // An analyst may look but not replay: the gateway's FORBIDDEN is shown on the row.
      await tab().evaluate(`document.querySelector('${row} [data-action="replay"]').click()`);
      const outcome = await inPage<string>(
        `(() => { const text = document.querySelector('${row} [data-field="outcome"]')?.textContent; return text && text !== 'replaying…' && text; })()`,
        'the replay outcome',
      );
      assert.match(outcome, /^FORBIDDEN: /);
      assert.match(await tab().evaluate<string>(`document.getElementById('message').textContent`), /^Replay refused: FORBIDDEN/);

      // The fix: the placement arrives and inventory reserves the stock.
      await bus.publish(placed);
      await until('the reservation', 20_000, async () => ((await traceOf(correlationId)).some((step) => step.kind === 'reservation HELD') ? true : undefined));

      await signIn(await signDevToken(principals.admin));
      await go('#dead-letters');
      await inPage(`document.querySelector('${row} [data-action="replay"]')`, 'the letter for the admin');
      await tab().evaluate(`document.querySelector('${row} [data-action="replay"]').click()`);
      await inPage(`!document.querySelector('${row}') && document.querySelector('#dead-letters')`, 'the replayed letter to leave the list');

      // Processed once: the reservation became one sale movement, and the letter cannot be replayed again.
      await until('the replayed shipment committed the reservation', 20_000, async () =>
        (await traceOf(correlationId)).some((step) => step.kind === 'reservation COMMITTED') ? true : undefined,
      );
      const letters = await mesh().query<{ deadLetters: Array<{ id: string; consumer: string; eventId: string }> }, Record<string, never>>(
        '{ deadLetters { id consumer eventId } }',
        {},
        admin,
      );
      assert.deepEqual(
        letters.data?.deadLetters.filter((letter) => letter.consumer === 'inventory-order-events'),
        [],
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      const sales = (await traceOf(correlationId)).filter((step) => step.kind === 'stock movement SALE');
      assert.equal(sales.length, 1, 'one sale movement for the replayed shipment');
    },
  );

  test('a till sale beyond recorded stock shows in the stock exceptions as needing a cycle count', { timeout: 60_000 }, async () => {
    const store = 'loc_nyc01';
    const sku = 'SKU-0004-02';
    const level = await setAvailable(mesh(), sku, store, 0);
    const quantity = level.onHand - level.reserved + 2; // two more than the till could take from free stock
    const unitPriceMinor = 1999;
    const net = unitPriceMinor * quantity;
    const synced = await mesh().query<{ syncPosTransactions: { results: Array<{ outcome: string }> } }, Record<string, unknown>>(
      'mutation($store: ID!, $tx: [PosTransactionInput!]!) { syncPosTransactions(storeId: $store, transactions: $tx) { results { outcome } } }',
      {
        store,
        tx: [
          {
            localId: `${RUN}-till-1`,
            deviceId: `till-${RUN}`,
            sequence: 1,
            occurredAt: new Date().toISOString(),
            currency: 'USD',
            lines: [{ sku, quantity, unitPriceMinor: String(unitPriceMinor) }],
            payment: { method: 'CARD', amountMinor: String(net + taxOf(net, 'USD')) },
          },
        ],
      },
      principals.associate,
    );
    assert.deepEqual(
      synced.data?.syncPosTransactions.results.map((result) => result.outcome),
      ['RECORDED'],
      JSON.stringify(synced),
    );
    await go('#stock-exceptions');
    const row = await inPage<string[]>(
      `(() => { const row = [...document.querySelectorAll('#stock-exceptions tr[data-state]')].find((candidate) => candidate.textContent.includes(${JSON.stringify(sku)})); return row && [row.dataset.state, ...[...row.cells].map((cell) => cell.textContent)]; })()`,
      'the flagged till sale',
      30_000,
    );
    assert.equal(row[0], 'needs-count');
    assert.deepEqual(row.slice(2, 5), ['New York Fifth Avenue (NYC01)', sku, '2']);
    assert.equal(row[6], 'needs a cycle count');
  });

  test('health shows every domain answering through the gateway, and reconciliation shows the day', { timeout: 60_000 }, async () => {
    await go('#health');
    const states = await inPage<Record<string, string>>(
      `(() => { const rows = [...document.querySelectorAll('#subgraph-health tr[data-domain]')]; return rows.length === 6 && Object.fromEntries(rows.map((row) => [row.dataset.domain, row.dataset.state])); })()`,
      'six domains probed',
    );
    assert.deepEqual(states, { product: 'up', inventory: 'up', order: 'up', customer: 'up', ledger: 'up', integration: 'up' });
    await go('#reconciliation');
    const verdict = await inPage<string>(`document.querySelector('#reconciliation-result [data-state]')?.dataset.state`, "the day's reconciliation");
    assert.ok(['reconciled', 'mismatched'].includes(verdict));
    assert.equal(await tab().evaluate<string>(`document.getElementById('message').textContent`), '');
  });
});

describe('how the gateway serves the console', () => {
  test('outside production by default, in production only with CONSOLE=true; the page and its hashed assets come with a same-origin policy', async () => {
    const production = { NODE_ENV: 'production', AUTH_JWKS_URL: 'https://idp.example.com/jwks', MESH_INTERNAL_SECRET: 'x'.repeat(32) };
    assert.equal(readGatewayConfig(production, 'supergraph.graphql').console, false);
    assert.equal(readGatewayConfig({ ...production, CONSOLE: 'true' }, 'supergraph.graphql').console, true);
    assert.equal(readGatewayConfig({ NODE_ENV: 'development' }, 'supergraph.graphql').console, true);
    assert.equal(readGatewayConfig({ NODE_ENV: 'development', CONSOLE: 'false' }, 'supergraph.graphql').console, false);

    const origin = new URL(mesh().mesh.gatewayUrl).origin;
    const page = await fetch(`${origin}/console/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'; connect-src 'self'/);
    assert.equal(page.headers.get('cache-control'), 'no-store');
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(await page.text())?.[1];
    assert.ok(script, 'the page loads a built script');
    const asset = await fetch(`${origin}${script}`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
    assert.equal((await fetch(`${origin}/console/assets/nothing-here.js`)).status, 404);

    const unbuilt = consoleRoutes(createLogger('console-test'), '/nonexistent/console/dist/');
    assert.deepEqual(Object.keys(unbuilt).sort(), ['/console', '/console/']);
  });
});
