import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connectJetStreamBus, createEnvelope, type AnyEnvelope, type EventBus, type ProcessedEventRecord } from '@mesh/events';
import { startNatsServer, type TestNatsServer } from '@mesh/mesh-runner';
import { startTestDatabase, startTestSubgraph, type TestSubgraph } from '@mesh/test-kit';
import type { RunningDatabase } from '@mesh/embedded-mongo';
import { createOrderSubgraph } from '../src/module.js';
import type { OrderRecord } from '../src/models/order.model.js';
import { RESERVATION_EXPIRIES_CONSUMER } from '../src/events/order-consumers.js';

// An expired reservation (an uncollected pickup, a stale hold) cancels its order through the
// lifecycle, against a real database and nats-server.
let database: RunningDatabase;
let nats: TestNatsServer;
let orders: TestSubgraph;
let bus: EventBus;
const published: AnyEnvelope[] = [];

const orderModel = () => orders.connection.model<OrderRecord>('Order');

function fixtureOrder(id: string, status: OrderRecord['status']): OrderRecord {
  const placedAt = new Date(Date.now() - 3 * 86_400_000);
  return {
    _id: id,
    number: `R-EXP-${id}`,
    idempotencyKey: `expiry-test-${id}`,
    correlationId: `corr-${id}`,
    channel: 'WEB',
    status,
    customerId: 'cus_00005',
    currency: 'USD',
    fulfillment: { type: 'PICKUP_IN_STORE', locationId: 'loc_nyc01' },
    lines: [{ lineNumber: 1, sku: 'SKU-0001-01', quantity: 1, unitPriceMinor: 1000, taxMinor: 80, lineTotalMinor: 1080, unitCostMinor: 400 }],
    totals: { subtotalMinor: 1000, taxMinor: 80, totalMinor: 1080 },
    payment: { authorizedMinor: 1080, capturedMinor: 0, refundedMinor: 0 },
    placedAt,
    statusHistory: [
      { status: 'PLACED', at: placedAt },
      { status: 'CONFIRMED', at: placedAt },
      ...(status === 'READY_FOR_PICKUP' ? [{ status, at: placedAt }] : []),
    ],
    reservationId: `res_${id}`,
  };
}

const released = (orderId: string, reason: 'EXPIRED' | 'ORDER_CANCELLED') =>
  createEnvelope(
    'inventory.reservation-released',
    { reservationId: `res_${orderId}`, orderId, locationId: 'loc_nyc01', lines: [{ sku: 'SKU-0001-01', quantity: 1 }], reason },
    { correlationId: `corr-${orderId}`, idempotencyKey: `reservation:res_${orderId}:released` },
  );

/** Polls `condition` every 25 ms until it holds; fails after `timeoutMs` naming `what` (patience for a loaded machine). */
async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Resolves once the expiry consumer has handled every release published so far: it takes them in
 * order, one at a time, so a marker release (of no order: it changes nothing) is handled last.
 */
async function untilReleasesHandled(): Promise<void> {
  const marker = released(`ord_marker_${randomUUID()}`, 'EXPIRED');
  await bus.publish(marker);
  const claim = `${RESERVATION_EXPIRIES_CONSUMER}|${marker.type}:${marker.idempotencyKey}`;
  const processed = orders.connection.model<ProcessedEventRecord>('ProcessedEvent');
  await waitFor(async () => (await processed.findById(claim).lean())?.state === 'DONE', 'the consumer to handle the marker release');
}

/**
 * Resolves once the watcher has every event the order subgraph recorded for `orderId`: the relay
 * has published them all (none is left on the order), then a marker published after them reaches
 * the watcher, whose consumer takes the stream in order, one event at a time. The marker is left
 * out of `published`.
 */
async function untilEventsReceived(orderId: string): Promise<void> {
  await waitFor(
    async () => ((await orderModel().findById(orderId).lean<OrderRecord>())?.pendingEvents ?? []).length === 0,
    `the relay to publish the events of ${orderId}`,
  );
  const marker = createEnvelope(
    'order.order-status-changed',
    { orderId: `ord_marker_${randomUUID()}`, from: null, to: 'PLACED' },
    { correlationId: 'marker', idempotencyKey: `marker:${randomUUID()}` },
  );
  await bus.publish(marker);
  await waitFor(() => published.some((envelope) => envelope.id === marker.id), 'the marker event');
  published.splice(
    published.findIndex((envelope) => envelope.id === marker.id),
    1,
  );
}

async function statusOf(id: string, wanted: OrderRecord['status']): Promise<OrderRecord> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const order = await orderModel().findById(id).lean<OrderRecord>();
    if (order?.status === wanted) return order;
    if (Date.now() > deadline) throw new Error(`${id} is ${order?.status}, not ${wanted}, after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

before(async () => {
  [database, nats] = await Promise.all([startTestDatabase(), startNatsServer()]);
  orders = await startTestSubgraph(createOrderSubgraph({ relayIntervalMs: 100 }), { mongoUri: database.uri, natsUrl: nats.url });
  bus = await connectJetStreamBus({ servers: nats.url, name: 'expiry-test' });
  await bus.subscribe(['order.order-cancelled', 'order.order-status-changed'], 'expiry-test-watcher', async (envelope) => {
    published.push(envelope);
  });
  await orderModel().insertMany(
    [
      fixtureOrder('ord_exp_ready', 'READY_FOR_PICKUP'),
      fixtureOrder('ord_exp_confirmed', 'CONFIRMED'),
      fixtureOrder('ord_exp_done', 'COMPLETED'),
      fixtureOrder('ord_exp_other', 'CONFIRMED'),
    ],
    { lean: true },
  );
});
after(async () => {
  await bus?.close();
  await orders?.close();
  await Promise.all([database?.stop(), nats?.stop()]);
});

describe('expired reservations cancel their orders', () => {
  test('an uncollected pickup whose reservation expired is CANCELLED with PICKUP_EXPIRED, once, with its events', async () => {
    const event = released('ord_exp_ready', 'EXPIRED');
    await bus.publish(event);
    const cancelled = await statusOf('ord_exp_ready', 'CANCELLED');
    assert.deepEqual(cancelled.statusHistory.at(-1)?.reason, 'PICKUP_EXPIRED');
    // The same event again (a redelivery with a new envelope id, as a relay re-publish would be) changes nothing.
    await bus.publish(createEnvelope(event.type, event.data, { correlationId: event.correlationId, idempotencyKey: event.idempotencyKey }));
    await untilReleasesHandled();
    await untilEventsReceived('ord_exp_ready');
    const after = await orderModel().findById('ord_exp_ready').lean<OrderRecord>();
    assert.equal(after?.statusHistory.filter((change) => change.status === 'CANCELLED').length, 1);
    const cancellations = published.filter(
      (envelope) => envelope.type === 'order.order-cancelled' && (envelope.data as { orderId: string }).orderId === 'ord_exp_ready',
    );
    assert.equal(cancellations.length, 1);
    assert.equal((cancellations[0]!.data as { reason: string }).reason, 'PICKUP_EXPIRED');
    assert.equal(cancellations[0]!.correlationId, 'corr-ord_exp_ready', 'the order keeps its correlation id');
  });

  test('a confirmed order whose stale reservation expired is cancelled too', async () => {
    await bus.publish(released('ord_exp_confirmed', 'EXPIRED'));
    const cancelled = await statusOf('ord_exp_confirmed', 'CANCELLED');
    assert.equal(cancelled.statusHistory.at(-1)?.reason, 'PICKUP_EXPIRED');
  });

  test('a fulfilled order, and a release for any other reason, are left alone', async () => {
    await bus.publish(released('ord_exp_done', 'EXPIRED'));
    await bus.publish(released('ord_exp_other', 'ORDER_CANCELLED'));
    await untilReleasesHandled();
    assert.equal((await orderModel().findById('ord_exp_done').lean<OrderRecord>())?.status, 'COMPLETED');
    assert.equal((await orderModel().findById('ord_exp_other').lean<OrderRecord>())?.status, 'CONFIRMED');
  });
});
