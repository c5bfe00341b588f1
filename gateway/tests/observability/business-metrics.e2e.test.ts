import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { streamNameOf } from '@mesh/events';
import { LEDGER_CONSUMERS } from '@mesh/ledger-subgraph';
import { PlaceOrderDocument, ShipOrderDocument } from '../__generated__/operations.js';
import { errorCodes, meshForThisFile } from '../mesh-fixture.js';
import { principals } from '@mesh/test-kit';
import { admin, placeOrder, until, webOrder } from '../workflows/workflow-kit.js';
import { parseSamples, valueOf } from './prometheus-text.js';

// The metrics every service serves on /metrics, read from the running mesh (separate processes,
// real NATS) after real workflows: operations and subgraph fetches at the gateway, events and
// consumer backlog in each domain, and the retailer's KPIs, with labels that never carry an id.
const SERVICES = ['gateway', 'product', 'inventory', 'order', 'customer', 'ledger'] as const;
const RUN = Date.now().toString(36);

const mesh = meshForThisFile({ INVENTORY_RELAY_INTERVAL_MS: '250' });

/** Polls one service's /metrics until `metric` (with `labels`) reaches `atLeast`; answers the text. */
async function untilMetric(
  service: (typeof SERVICES)[number],
  metric: string,
  labels: Record<string, string>,
  atLeast = 1,
  timeoutMs = 60_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await mesh().metrics(service);
    if ((valueOf(text, metric, labels) ?? 0) >= atLeast) return text;
    if (Date.now() > deadline) assert.fail(`${service}: ${metric}${JSON.stringify(labels)} stayed below ${atLeast}`);
    await sleep(250);
  }
}

describe('business and service metrics on every /metrics', () => {
  test('placing an order shows up as operations, subgraph fetches, events and KPIs in the services that took part', { timeout: 120_000 }, async () => {
    const placed = await placeOrder(mesh(), webOrder(`${RUN}-metrics`, 'cus_00031', 'loc_wh_nj', [{ sku: 'SKU-0005-01', quantity: 1 }]));
    assert.equal(placed.typename, 'OrderPlaced');
    const refused = await mesh().query(
      PlaceOrderDocument,
      { input: webOrder(`${RUN}-bad`, 'cus_00031', 'loc_wh_nj', [{ sku: 'SKU-0005-01', quantity: 0 }]) },
      admin,
    );
    assert.deepEqual(errorCodes(refused), ['BAD_USER_INPUT']);

    const gateway = await mesh().metrics('gateway');
    assert.ok(valueOf(gateway, 'mesh_graphql_operation_duration_seconds_count', { operation: 'placeOrder', operation_type: 'mutation', outcome: 'ok' })! >= 1);
    assert.ok(valueOf(gateway, 'mesh_graphql_errors_total', { operation: 'placeOrder', code: 'BAD_USER_INPUT' })! >= 1);
    assert.ok(valueOf(gateway, 'mesh_subgraph_fetch_duration_seconds_count', { subgraph: 'order', outcome: 'ok' })! >= 1);

    const order = await untilMetric('order', 'mesh_events_published_total', { topic: 'order.order-placed', outcome: 'accepted' });
    assert.ok(valueOf(order, 'mesh_graphql_operation_duration_seconds_count', { operation: 'placeOrder', outcome: 'ok' })! >= 1);
    assert.ok(
      valueOf(order, 'mesh_events_handled_total', { consumer: 'order-stock-decisions', topic: 'inventory.stock-reserved', outcome: 'ack' }) !== undefined,
    );
    assert.equal(typeof valueOf(order, 'mesh_kpi_oldest_pending_order_age_seconds'), 'number');

    const inventory = await untilMetric('inventory', 'mesh_kpi_stock_movement_to_availability_seconds_count', {});
    assert.ok(valueOf(inventory, 'mesh_events_handled_total', { topic: 'order.order-placed', outcome: 'ack' })! >= 1);
    assert.ok(valueOf(inventory, 'mesh_event_delivery_delay_seconds_count', { topic: 'order.order-placed' })! >= 1);
    assert.equal(valueOf(inventory, 'mesh_kpi_oversells_total'), 0, 'no oversell');
    assert.ok(valueOf(inventory, 'mesh_event_consumer_backlog', { domain: 'order' }) !== undefined, 'the backlog of the order-events consumer is reported');

    const ledger = await untilMetric('ledger', 'mesh_kpi_order_placed_to_ledger_seconds_count', { channel: 'WEB' });
    assert.ok(valueOf(ledger, 'mesh_kpi_order_placed_to_ledger_seconds_sum', { channel: 'WEB' })! > 0);
    assert.equal(valueOf(ledger, 'mesh_events_handled_total', { outcome: 'dead-letter' }) ?? 0, 0);
  });

  test('policy refusals are counted by code and by the role of the caller, not by who the caller is', async () => {
    const forged = await fetch(mesh().mesh.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer not-a-token' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    assert.equal(forged.status, 401);
    const aliases = Array.from({ length: 40 }, (_, index) => `a${index}: accounts { code }`).join(' ');
    const aliased = await mesh().query(`{ ${aliases} }`, {}, admin);
    assert.deepEqual(errorCodes(aliased), ['TOO_MANY_ALIASES']);
    const gateway = await mesh().metrics('gateway');
    assert.equal(valueOf(gateway, 'mesh_gateway_refusals_total', { code: 'UNAUTHENTICATED', role: 'anonymous' }), 1);
    assert.equal(valueOf(gateway, 'mesh_gateway_refusals_total', { code: 'TOO_MANY_ALIASES', role: 'admin' }), 1);
  });

  test('no metric label on any service carries an id, an email, a SKU, an order number or a UUID', async () => {
    const unbounded = [
      /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i, // UUIDs (correlation ids, event ids)
      /@/, // emails
      /^(ord|cus|mov|res|loc|je|ret|ref|trf)_/, // entity ids
      /SKU-/i,
      /^[A-Z]-[A-Z0-9]{8,}$/, // order numbers
      /\d{6,}/, // long numbers (timestamps, counters as labels)
    ];
    for (const service of SERVICES) {
      const samples = parseSamples(await mesh().metrics(service));
      assert.ok(samples.length > 0, `${service} serves metrics`);
      for (const sample of samples) {
        for (const [label, value] of Object.entries(sample.labels)) {
          if (label === 'le' || label === 'quantile') continue;
          const pattern = unbounded.find((candidate) => candidate.test(value));
          assert.equal(pattern, undefined, `${service} ${sample.name}{${label}="${value}"} looks unbounded`);
        }
      }
      // Bounded label sets: the number of distinct series per metric stays small.
      const series = new Map<string, number>();
      for (const sample of samples) series.set(sample.name, (series.get(sample.name) ?? 0) + 1);
      for (const [name, count] of series) assert.ok(count < 400, `${service} ${name} has ${count} series`);
    }
  });
});

describe('the provisioned Grafana dashboard', () => {
  test('asks only for metrics the running services declare', async () => {
    const declared = new Set<string>();
    for (const service of SERVICES) {
      for (const line of (await mesh().metrics(service)).split('\n')) {
        const [hash, kind, name, type] = line.split(' ');
        if (hash !== '#' || kind !== 'TYPE' || !name) continue;
        declared.add(name);
        if (type === 'histogram') for (const suffix of ['_bucket', '_count', '_sum']) declared.add(`${name}${suffix}`);
      }
    }
    const dashboard = JSON.parse(readFileSync(new URL('../../../deploy/observability/grafana/dashboards/retail-mesh.json', import.meta.url), 'utf8')) as {
      panels: { targets?: { expr: string }[] }[];
    };
    const asked = new Set(dashboard.panels.flatMap((panel) => (panel.targets ?? []).flatMap((target) => target.expr.match(/mesh_[a-z_]+/g) ?? [])));
    assert.ok(asked.size >= 10);
    for (const name of asked) assert.ok(declared.has(name), `the dashboard asks for ${name}, which no service declares`);
  });
});

interface ReconciliationAnswer {
  reconciliation: {
    reconciled: boolean;
    expectedFrom: string;
    mismatches: { orderId: string; kind: string; mismatch: string }[];
    groups: {
      channel: string;
      orderCount: number;
      capturedExpected: { minorUnits: string };
      capturedPosted: { minorUnits: string };
      refundedExpected: { minorUnits: string };
      refundedPosted: { minorUnits: string };
    }[];
  };
}
const RECONCILIATION = `query Reconciliation($date: String!) {
  reconciliation(date: $date) {
    reconciled expectedFrom
    mismatches { orderId kind mismatch }
    groups { channel orderCount capturedExpected { minorUnits } capturedPosted { minorUnits } refundedExpected { minorUnits } refundedPosted { minorUnits } }
  }
}`;

/** Places a one-unit web order, waits until it is CONFIRMED and ships it: its payment is captured now. */
async function placeAndShip(key: string): Promise<string> {
  const placed = await placeOrder(mesh(), webOrder(key, 'cus_00032', 'loc_wh_nj', [{ sku: 'SKU-0006-01', quantity: 1 }]));
  assert.equal(placed.typename, 'OrderPlaced');
  await until(`order ${placed.orderId} confirmed`, 60_000, async () => {
    const response = await mesh().query<{ order: { status: string } | null }, { id: string }>(
      'query ($id: ID!) { order(id: $id) { status } }',
      { id: placed.orderId },
      admin,
    );
    return response.data?.order?.status === 'CONFIRMED' ? true : undefined;
  });
  const shipped = await mesh().query(ShipOrderDocument, { orderId: placed.orderId, idempotencyKey: `${key}-ship` }, admin);
  assert.equal(shipped.errors, undefined, JSON.stringify(shipped.errors));
  return placed.orderId;
}

async function reconciliationOfToday(): Promise<ReconciliationAnswer['reconciliation']> {
  const response = await mesh().query<ReconciliationAnswer, { date: string }>(RECONCILIATION, { date: new Date().toISOString().slice(0, 10) }, admin);
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  return response.data!.reconciliation;
}

describe('reconciliation against the order domain', () => {
  test(
    'a healthy day reconciles; once the ledger consumer of order events is lost, the next capture shows as a missing posting',
    { timeout: 180_000 },
    async () => {
      const first = await placeAndShip(`${RUN}-reconciled`);
      // Returned and refunded the same day: the refund is reconciled too, and its KPI measured.
      const created = await mesh().query<{ createReturn: { __typename: string; return?: { id: string } } }, Record<string, unknown>>(
        `mutation($input: CreateReturnInput!) { createReturn(input: $input) { __typename ... on ReturnCreated { return { id } } } }`,
        { input: { idempotencyKey: `${RUN}-return`, orderId: first, lines: [{ lineNumber: 1, quantity: 1 }], reason: 'CHANGED_MIND' } },
        principals.customer('cus_00032'),
      );
      assert.equal(created.data?.createReturn.__typename, 'ReturnCreated', JSON.stringify(created));
      const received = await mesh().query<{ receiveReturn: { __typename: string } }, Record<string, unknown>>(
        `mutation($input: ReceiveReturnInput!) { receiveReturn(input: $input) { __typename } }`,
        {
          input: {
            returnId: created.data!.createReturn.return!.id,
            idempotencyKey: `${RUN}-receive`,
            locationId: 'loc_wh_nj',
            lines: [{ lineNumber: 1, disposition: 'SELLABLE' }],
          },
        },
        admin,
      );
      assert.equal(received.data?.receiveReturn.__typename, 'ReturnReceived', JSON.stringify(received));
      assert.equal(valueOf(await mesh().metrics('order'), 'mesh_kpi_return_to_refund_seconds_count', { channel: 'WEB' }), 1);
      const healthy = await until('the capture and the refund posted and reconciled', 60_000, async () => {
        const report = await reconciliationOfToday();
        const web = report.groups.find((group) => group.channel === 'WEB');
        return report.reconciled && web && BigInt(web.refundedPosted.minorUnits) > 0n ? report : undefined;
      });
      assert.equal(healthy.expectedFrom, 'ORDER_DOMAIN');
      assert.deepEqual(healthy.mismatches, []);
      const healthyWeb = healthy.groups.find((group) => group.channel === 'WEB')!;
      assert.equal(healthyWeb.refundedExpected.minorUnits, healthyWeb.refundedPosted.minorUnits);

      // The ledger's durable consumer of order events disappears (an operator deleted it, a stream
      // was recreated): the ledger process keeps running and answering, but receives nothing more.
      const nc = await connect({ servers: mesh().mesh.natsUrl });
      try {
        const jsm = await jetstreamManager(nc);
        await jsm.consumers.delete(streamNameOf('order'), LEDGER_CONSUMERS.orders);
      } finally {
        await nc.close();
      }
      const second = await placeAndShip(`${RUN}-unposted`);
      const stuck = await until('the missing posting reported', 30_000, async () => {
        const report = await reconciliationOfToday();
        return report.mismatches.some((mismatch) => mismatch.orderId === second) ? report : undefined;
      });
      assert.equal(stuck.reconciled, false);
      assert.equal(stuck.expectedFrom, 'ORDER_DOMAIN');
      assert.deepEqual(stuck.mismatches, [{ orderId: second, kind: 'CAPTURE', mismatch: 'MISSING_POSTING' }]);
      const web = stuck.groups.find((group) => group.channel === 'WEB')!;
      assert.ok(BigInt(web.capturedExpected.minorUnits) > BigInt(web.capturedPosted.minorUnits), 'the group shows more captured than posted');
    },
  );
});
