import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connectJetStreamBus, createEnvelope, type AnyEnvelope, type EventBus, type Topic } from '@mesh/events';
import { ledgerSubgraph } from '@mesh/ledger-subgraph';
import { startNatsServer, type TestNatsServer } from '@mesh/mesh-runner';
import type { RunningDatabase } from '@mesh/embedded-mongo';
import type { Principal } from '@mesh/server-kit';
import { principals, startTestDatabase, startTestSubgraph, type TestSubgraph } from '@mesh/test-kit';
import { createOrderSubgraph } from '../src/module.js';
import type { OrderRecord } from '../src/models/order.model.js';
import { taxOf } from '../src/placement/tax-rules.js';
import type { OrderModels } from '../src/models/index.js';
import { KeyedQueue } from '../src/returns/order-queue.js';
import { refundPayment as refundPaymentService } from '../src/returns/refund-payment.service.js';
import { errorCode } from './order-harness.js';
import { eventually } from './order-test-helpers.js';

/**
 * Returns and refunds against a real database and a real nats-server, with the ledger listening.
 * Orders are inserted COMPLETED as fixtures (captured, with a status history dated as each test
 * needs): the return window depends on when the order was completed, which only a fixture can set.
 */

let database: RunningDatabase;
let nats: TestNatsServer;
let orders: TestSubgraph;
let ledger: TestSubgraph;
let watcher: EventBus;
const seen: AnyEnvelope[] = [];

const CUSTOMER = 'cus_00001';
const WAREHOUSE = 'loc_wh_nj';
const STORE = 'loc_nyc01';
const DAY = 24 * 3600_000;
const ORDER_TOPICS = [
  'order.return-requested',
  'order.return-received',
  'order.payment-refunded',
  'order.order-status-changed',
  'order.return-completed',
] as const satisfies readonly Topic[];

before(async () => {
  [database, nats] = await Promise.all([startTestDatabase(), startNatsServer()]);
  [orders, ledger] = await Promise.all([
    startTestSubgraph(createOrderSubgraph({ relayIntervalMs: 100 }), { mongoUri: database.uri, natsUrl: nats.url }),
    startTestSubgraph(ledgerSubgraph, { mongoUri: database.uri, natsUrl: nats.url }),
  ]);
  watcher = await connectJetStreamBus({ servers: nats.url, name: 'order-returns-watcher', fetchBatch: 100 });
  await watcher.subscribe(ORDER_TOPICS, 'order-returns-watcher', (envelope) => {
    seen.push(envelope);
  });
});
after(async () => {
  await watcher?.close();
  await Promise.all([orders?.close(), ledger?.close()]);
  await Promise.all([database?.stop(), nats?.stop()]);
});

const orderDocs = () => orders.connection.model<OrderRecord>('Order');

interface FixtureLine {
  sku: string;
  quantity: number;
  unitPriceMinor: number;
  unitCostMinor: number;
  discountMinor?: number;
}

/** A captured order inserted as it stands after fulfilment: COMPLETED `completedDaysAgo` days ago (or in `status`). */
async function fixtureOrder(
  lines: FixtureLine[],
  options: { channel?: OrderRecord['channel']; completedDaysAgo?: number; status?: OrderRecord['status'] } = {},
): Promise<OrderRecord> {
  const id = `ord_${randomUUID()}`;
  const completedAt = new Date(Date.now() - (options.completedDaysAgo ?? 1) * DAY);
  const status = options.status ?? 'COMPLETED';
  const stored = lines.map((line, index) => {
    const net = line.unitPriceMinor * line.quantity - (line.discountMinor ?? 0);
    const tax = taxOf(net, 'USD');
    return {
      lineNumber: index + 1,
      sku: line.sku,
      quantity: line.quantity,
      unitPriceMinor: line.unitPriceMinor,
      ...(line.discountMinor ? { discountMinor: line.discountMinor, discounts: [{ promotionId: 'promo_fixture', amountMinor: line.discountMinor }] } : {}),
      taxMinor: tax,
      lineTotalMinor: net + tax,
      unitCostMinor: line.unitCostMinor,
    };
  });
  const subtotalMinor = stored.reduce((sum, line) => sum + line.unitPriceMinor * line.quantity - (line.discountMinor ?? 0), 0);
  const taxMinor = stored.reduce((sum, line) => sum + line.taxMinor, 0);
  const captured = status === 'CONFIRMED' ? 0 : subtotalMinor + taxMinor;
  const placedAt = new Date(completedAt.getTime() - 2 * DAY);
  const history: OrderRecord['statusHistory'] = [
    { status: 'PLACED', at: placedAt },
    { status: 'CONFIRMED', at: placedAt },
  ];
  if (status !== 'CONFIRMED') history.push({ status: 'SHIPPED', at: completedAt }, { status: 'COMPLETED', at: completedAt });
  const order: OrderRecord = {
    _id: id,
    number: `T-${id.slice(4, 14)}`,
    idempotencyKey: `fixture:${id}`,
    correlationId: `corr-${id}`,
    channel: options.channel ?? 'WEB',
    status,
    customerId: CUSTOMER,
    currency: 'USD',
    fulfillment: { type: 'SHIP', locationId: WAREHOUSE },
    lines: stored,
    totals: { subtotalMinor, taxMinor, totalMinor: subtotalMinor + taxMinor },
    payment: { authorizedMinor: subtotalMinor + taxMinor, capturedMinor: captured, refundedMinor: 0 },
    placedAt,
    statusHistory: history,
  };
  await orderDocs().create(order);
  return order;
}

const stored = async (id: string) => (await orderDocs().findById(id).lean<OrderRecord>())!;
/** The order as stored, without the events the relay is draining concurrently: what a refusal must not change. */
const stateOf = async (id: string) => JSON.stringify({ ...(await stored(id)), pendingEvents: undefined });

const CREATE = `mutation($input: CreateReturnInput!) { createReturn(input: $input) {
  __typename
  ... on ReturnCreated { return { id status reason lines { lineNumber quantity disposition refund { minorUnits } } refund { minorUnits } } order { id status lines { lineNumber returnedQuantity returnableQuantity } } }
  ... on ReturnRefused { reason windowEndsAt lines { lineNumber quantity returnable } }
} }`;
const RECEIVE = `mutation($input: ReceiveReturnInput!) { receiveReturn(input: $input) {
  __typename
  ... on ReturnReceived { return { id status receivedAt receivedAtLocation { id } refund { minorUnits } refundTax { minorUnits } lines { lineNumber quantity disposition refund { minorUnits } } } order { id status payment { captured { minorUnits } refunded { minorUnits } } lines { lineNumber returnedQuantity returnableQuantity } } }
  ... on ReturnNotReceivable { returnId reason refundable { minorUnits } }
} }`;
const REFUND = `mutation($input: RefundPaymentInput!) { refundPayment(input: $input) {
  __typename
  ... on RefundIssued { refundId amount { minorUnits } tax { minorUnits } order { payment { refunded { minorUnits } } } }
  ... on RefundRefused { reason refundable { minorUnits } }
} }`;

interface ReturnGql {
  id: string;
  status: string;
  refund: { minorUnits: string } | null;
  refundTax?: { minorUnits: string } | null;
  receivedAtLocation?: { id: string } | null;
  lines: { lineNumber: number; quantity: number; disposition: string | null; refund: { minorUnits: string } | null }[];
}
interface CreateGql {
  createReturn: {
    __typename: string;
    return?: ReturnGql;
    order?: { status: string; lines: { lineNumber: number; returnedQuantity: number; returnableQuantity: number }[] };
    reason?: string;
    windowEndsAt?: string | null;
    lines?: { lineNumber: number; quantity: number; returnable: number }[];
  };
}
interface ReceiveGql {
  receiveReturn: {
    __typename: string;
    return?: ReturnGql;
    order?: {
      status: string;
      payment: { captured: { minorUnits: string }; refunded: { minorUnits: string } };
      lines: { lineNumber: number; returnedQuantity: number; returnableQuantity: number }[];
    };
    returnId?: string;
    reason?: string;
    refundable?: { minorUnits: string };
  };
}
interface RefundGql {
  refundPayment: {
    __typename: string;
    refundId?: string;
    amount?: { minorUnits: string };
    tax?: { minorUnits: string };
    reason?: string;
    refundable?: { minorUnits: string };
  };
}

const createReturn = (orderId: string, lines: { lineNumber: number; quantity: number }[], key = randomUUID(), principal = principals.customer(CUSTOMER)) =>
  orders.request<CreateGql>(CREATE, { input: { idempotencyKey: key, orderId, lines, reason: 'CHANGED_MIND' } }, principal);
const receiveReturn = (
  returnId: string,
  lines: { lineNumber: number; disposition: string }[],
  key = randomUUID(),
  locationId = STORE,
  principal: Principal = principals.associate,
) => orders.request<ReceiveGql>(RECEIVE, { input: { returnId, idempotencyKey: key, locationId, lines } }, principal);
const refundPayment = (orderId: string, amountMinor: number, key = randomUUID(), currency = 'USD') =>
  orders.request<RefundGql>(
    REFUND,
    { input: { orderId, amountMinor: String(amountMinor), currency, reason: 'GOODWILL', idempotencyKey: key } },
    principals.associate,
  );

/**
 * Resolves once the watcher has every event recorded for `orderId`: the relay has published them
 * all (none is left on the order), then a marker published after them reaches the watcher, whose
 * consumer takes the stream in order, one event at a time; so what it has not seen by then was
 * never published (a fixed pause would only cover a quiet machine). The marker, a return request
 * of no order that the ledger does not consume, is left out of `seen`.
 */
async function untilEventsReceived(orderId: string): Promise<void> {
  await eventually(`the relay to publish the events of ${orderId}`, async () => ((await stored(orderId)).pendingEvents ?? []).length === 0);
  const markerOrder = `ord_marker_${randomUUID()}`;
  const marker = createEnvelope(
    'order.return-requested',
    { orderId: markerOrder, channel: 'WEB', locationId: WAREHOUSE, returnId: `ret_${markerOrder}`, reason: 'marker', lines: [] },
    { correlationId: 'marker', idempotencyKey: `marker:${markerOrder}` },
  );
  await watcher.publish(marker);
  await eventually('the marker event', () => seen.some((envelope) => envelope.id === marker.id));
  seen.splice(
    seen.findIndex((envelope) => envelope.id === marker.id),
    1,
  );
}
function eventsOf<T extends Topic>(type: T, orderId: string): Extract<AnyEnvelope, { type: T }>[] {
  return seen.filter(
    (envelope): envelope is Extract<AnyEnvelope, { type: T }> => envelope.type === type && (envelope.data as { orderId?: string }).orderId === orderId,
  );
}

const SKU_A = 'SKU-0001-01';
const SKU_B = 'SKU-0002-01';

describe('returning goods', () => {
  test('a partial return of a discounted line refunds the discounted price of what came back, never the list price, and all returns add up to the line total', async () => {
    // 3 units at 10.00 list with 3.01 off the line (as the promotions allocated it): net 26.99, tax 2.16.
    const order = await fixtureOrder([{ sku: SKU_A, quantity: 3, unitPriceMinor: 1000, unitCostMinor: 500, discountMinor: 301 }]);
    assert.equal(order.lines[0]!.lineTotalMinor, 2699 + 216);
    const first = await createReturn(order._id, [{ lineNumber: 1, quantity: 1 }]);
    assert.equal(first.data?.createReturn.__typename, 'ReturnCreated');
    const received = await receiveReturn(first.data!.createReturn.return!.id, [{ lineNumber: 1, disposition: 'SELLABLE' }]);
    assert.equal(received.errors, undefined, JSON.stringify(received.errors));
    // floor(26.99 / 3) = 8.99 of the net and floor(2.16 / 3) = 0.72 of the tax: not the 10.00 list price.
    assert.equal(received.data?.receiveReturn.return?.refund?.minorUnits, String(899 + 72));
    const rest = await createReturn(order._id, [{ lineNumber: 1, quantity: 2 }]);
    const restReceived = await receiveReturn(rest.data!.createReturn.return!.id, [{ lineNumber: 1, disposition: 'SELLABLE' }]);
    assert.equal(restReceived.data?.receiveReturn.return?.refund?.minorUnits, String(1800 + 144));
    assert.equal(restReceived.data?.receiveReturn.order?.payment.refunded.minorUnits, String(order.lines[0]!.lineTotalMinor));
    assert.equal(restReceived.data?.receiveReturn.order?.status, 'RETURNED');
  });

  test('a WEB order returned at a store: the units are claimed, then received and refunded at unit price plus their tax share, and the order is PARTIALLY_RETURNED', async () => {
    const order = await fixtureOrder([
      { sku: SKU_A, quantity: 7, unitPriceMinor: 1235, unitCostMinor: 600 },
      { sku: SKU_B, quantity: 2, unitPriceMinor: 5000, unitCostMinor: 2000 },
    ]);
    assert.equal(order.lines[0]!.taxMinor, 692);
    const key = randomUUID();
    const created = await createReturn(order._id, [{ lineNumber: 1, quantity: 3 }], key);
    assert.equal(created.errors, undefined, JSON.stringify(created.errors));
    const result = created.data!.createReturn;
    assert.equal(result.__typename, 'ReturnCreated');
    assert.equal(result.return?.status, 'REQUESTED');
    assert.equal(result.return?.refund, null);
    assert.deepEqual(result.order?.lines, [
      { lineNumber: 1, returnedQuantity: 0, returnableQuantity: 4 },
      { lineNumber: 2, returnedQuantity: 0, returnableQuantity: 2 },
    ]);
    const returnId = result.return!.id;

    const again = await createReturn(order._id, [{ lineNumber: 1, quantity: 3 }], key);
    assert.equal(again.data?.createReturn.return?.id, returnId);
    assert.equal(errorCode(await createReturn(order._id, [{ lineNumber: 1, quantity: 2 }], key)), 'IDEMPOTENCY_KEY_REUSED');
    assert.equal((await stored(order._id)).returns?.length, 1);

    assert.equal(
      errorCode(await receiveReturn(returnId, [{ lineNumber: 1, disposition: 'SELLABLE' }], randomUUID(), STORE, principals.customer(CUSTOMER))),
      'FORBIDDEN',
    );
    const receiveKey = randomUUID();
    const received = await receiveReturn(returnId, [{ lineNumber: 1, disposition: 'SELLABLE' }], receiveKey);
    assert.equal(received.errors, undefined, JSON.stringify(received.errors));
    const receipt = received.data!.receiveReturn;
    assert.equal(receipt.__typename, 'ReturnReceived');
    // 3 x 1235 plus the tax of units 1..3 of 7: floor(692 x 3 / 7) = 296.
    assert.equal(receipt.return?.refund?.minorUnits, String(3 * 1235 + 296));
    assert.equal(receipt.return?.refundTax?.minorUnits, '296');
    assert.equal(receipt.return?.status, 'COMPLETED');
    assert.deepEqual(receipt.return?.receivedAtLocation, { id: STORE });
    assert.deepEqual(receipt.return?.lines, [{ lineNumber: 1, quantity: 3, disposition: 'SELLABLE', refund: { minorUnits: '4001' } }]);
    assert.equal(receipt.order?.status, 'PARTIALLY_RETURNED');
    assert.equal(receipt.order?.payment.refunded.minorUnits, '4001');
    assert.deepEqual(receipt.order?.lines[0], { lineNumber: 1, returnedQuantity: 3, returnableQuantity: 4 });

    assert.deepEqual((await receiveReturn(returnId, [{ lineNumber: 1, disposition: 'SELLABLE' }], receiveKey)).data?.receiveReturn, receipt);
    const late = (await receiveReturn(returnId, [{ lineNumber: 1, disposition: 'DAMAGED' }])).data?.receiveReturn;
    assert.deepEqual([late?.__typename, late?.reason], ['ReturnNotReceivable', 'ALREADY_RECEIVED']);
    const after = await stored(order._id);
    assert.equal(after.payment.refundedMinor, 4001);
    assert.deepEqual(
      after.statusHistory.map((change) => change.status),
      ['PLACED', 'CONFIRMED', 'SHIPPED', 'COMPLETED', 'PARTIALLY_RETURNED'],
    );

    // The events, once each, with the order's correlation id and what the ledger needs.
    await eventually(
      'the four return events',
      () => eventsOf('order.return-completed', order._id).length === 1 && eventsOf('order.payment-refunded', order._id).length === 1,
    );
    await untilEventsReceived(order._id);
    const [receivedEvent] = eventsOf('order.return-received', order._id);
    const [refunded] = eventsOf('order.payment-refunded', order._id);
    const [changed] = eventsOf('order.order-status-changed', order._id);
    const [completed] = eventsOf('order.return-completed', order._id);
    assert.equal(eventsOf('order.return-received', order._id).length, 1);
    const requested = eventsOf('order.return-requested', order._id);
    assert.deepEqual(
      requested.map((event) => [event.correlationId, event.data]),
      [
        [
          order.correlationId,
          {
            orderId: order._id,
            channel: 'WEB',
            locationId: WAREHOUSE,
            returnId,
            customerId: CUSTOMER,
            reason: 'CHANGED_MIND',
            lines: [{ lineNumber: 1, sku: SKU_A, quantity: 3 }],
          },
        ],
      ],
    );
    assert.equal(eventsOf('order.order-status-changed', order._id).length, 1);
    for (const event of [receivedEvent, refunded, changed, completed]) assert.equal(event?.correlationId, order.correlationId);
    assert.deepEqual(receivedEvent?.data, {
      orderId: order._id,
      channel: 'WEB',
      locationId: WAREHOUSE,
      returnId,
      receivedAtLocationId: STORE,
      lines: [{ sku: SKU_A, quantity: 3, disposition: 'SELLABLE', refund: { minorUnits: 4001, currency: 'USD' }, unitCostMinor: 600 }],
    });
    assert.deepEqual(refunded?.data, {
      orderId: order._id,
      channel: 'WEB',
      locationId: WAREHOUSE,
      paymentId: `pay_${order._id}`,
      refundId: after.refunds![0]!._id,
      returnId,
      customerId: CUSTOMER,
      amount: { minorUnits: 4001, currency: 'USD' },
      tax: { minorUnits: 296, currency: 'USD' },
      refundedTotal: { minorUnits: 4001, currency: 'USD' },
    });
    assert.deepEqual([changed?.data.from, changed?.data.to], ['COMPLETED', 'PARTIALLY_RETURNED']);
    assert.deepEqual(completed?.data, { returnId, orderId: order._id, refunded: { minorUnits: 4001, currency: 'USD' }, orderStatus: 'PARTIALLY_RETURNED' });

    // The ledger posts both, balanced: the refund (returns + tax against clearing) and the cost back to inventory.
    const entries = ledger.connection.model<{
      source: { type: string; id: string };
      lines: { accountCode: string; debitMinor: bigint; creditMinor: bigint }[];
      correlationId: string;
    }>('JournalEntry');
    const refundEntry = await eventually('the refund entry', () => entries.findOne({ 'source.type': 'REFUND', 'source.id': refunded!.data.refundId }).lean());
    const amounts = (entry: typeof refundEntry) =>
      Object.fromEntries(entry.lines.map((line) => [line.accountCode, Number(BigInt(line.debitMinor) - BigInt(line.creditMinor))]));
    assert.deepEqual(amounts(refundEntry), { '4100': 4001 - 296, '2100': 296, '1100': -4001 });
    assert.equal(refundEntry.correlationId, order.correlationId);
    const returnEntry = await eventually('the return entry', () => entries.findOne({ 'source.type': 'RETURN_RECEIVED', 'source.id': returnId }).lean());
    assert.deepEqual(amounts(returnEntry), { '1300': 3 * 600, '5000': -3 * 600 });
  });

  test('returning every remaining unit, in two returns, makes the order RETURNED with exactly the captured total refunded', async () => {
    const order = await fixtureOrder(
      [
        { sku: SKU_A, quantity: 7, unitPriceMinor: 1235, unitCostMinor: 600 },
        { sku: SKU_B, quantity: 1, unitPriceMinor: 999, unitCostMinor: 400 },
      ],
      { channel: 'APP' },
    );
    const first = (await createReturn(order._id, [{ lineNumber: 1, quantity: 2 }])).data!.createReturn.return!;
    const firstReceipt = (await receiveReturn(first.id, [{ lineNumber: 1, disposition: 'DAMAGED' }])).data!.receiveReturn;
    assert.equal(firstReceipt.order?.status, 'PARTIALLY_RETURNED');
    const second = (
      await createReturn(order._id, [
        { lineNumber: 2, quantity: 1 },
        { lineNumber: 1, quantity: 5 },
      ])
    ).data!.createReturn.return!;
    const secondReceipt = (
      await receiveReturn(
        second.id,
        [
          { lineNumber: 1, disposition: 'SELLABLE' },
          { lineNumber: 2, disposition: 'DAMAGED' },
        ],
        randomUUID(),
        WAREHOUSE,
      )
    ).data!.receiveReturn;
    assert.equal(secondReceipt.__typename, 'ReturnReceived');
    assert.equal(secondReceipt.order?.status, 'RETURNED');
    const after = await stored(order._id);
    assert.equal(after.payment.refundedMinor, order.totals.totalMinor);
    assert.equal(after.payment.refundedMinor, after.payment.capturedMinor);
    assert.deepEqual(
      after.lines.map((line) => line.returnedQuantity),
      [7, 1],
    );
    // The tax shares of the two returns of line 1 add up to exactly its tax.
    const taxes = after.refunds!.reduce((sum, refund) => sum + refund.taxMinor, 0);
    assert.equal(taxes, order.totals.taxMinor);
    assert.deepEqual(
      after.statusHistory.slice(-2).map((change) => change.status),
      ['PARTIALLY_RETURNED', 'RETURNED'],
    );

    await eventually('two refunds on the bus', () => eventsOf('order.payment-refunded', order._id).length === 2);
    const refunds = eventsOf('order.payment-refunded', order._id).map((event) => event.data);
    assert.equal(
      refunds.reduce((sum, refund) => sum + refund.amount.minorUnits, 0),
      order.totals.totalMinor,
    );
    assert.ok(refunds.every((refund) => refund.tax!.minorUnits <= refund.amount.minorUnits));
    assert.deepEqual(
      refunds.map((refund) => refund.refundedTotal.minorUnits).sort((a, b) => a - b),
      [after.refunds![0]!.amountMinor, order.totals.totalMinor],
    );
    await eventually('the RETURNED status change', () => eventsOf('order.order-status-changed', order._id).some((event) => event.data.to === 'RETURNED'));
    await eventually('both return-completed', () => eventsOf('order.return-completed', order._id).length === 2);
    assert.deepEqual(
      eventsOf('order.return-completed', order._id)
        .map((event) => event.data.orderStatus)
        .sort(),
      ['PARTIALLY_RETURNED', 'RETURNED'],
    );

    const refusal = (await createReturn(order._id, [{ lineNumber: 1, quantity: 1 }])).data!.createReturn;
    assert.deepEqual([refusal.__typename, refusal.reason], ['ReturnRefused', 'ORDER_NOT_RETURNABLE']);
    assert.deepEqual((await refundPayment(order._id, 1)).data?.refundPayment.reason, 'ORDER_NOT_REFUNDABLE');
  });

  test('refusals (window closed, too many units, an order not completed) and bad requests write nothing', async () => {
    const old = await fixtureOrder([{ sku: SKU_A, quantity: 2, unitPriceMinor: 1000, unitCostMinor: 500 }], { completedDaysAgo: 31 });
    const fresh = await fixtureOrder([{ sku: SKU_A, quantity: 2, unitPriceMinor: 1000, unitCostMinor: 500 }], { completedDaysAgo: 29 });
    const open = await fixtureOrder([{ sku: SKU_A, quantity: 2, unitPriceMinor: 1000, unitCostMinor: 500 }], { status: 'CONFIRMED' });
    const snapshot = async () => (await Promise.all([old, fresh, open].map((order) => stateOf(order._id)))).join();
    const before = await snapshot();

    const closed = (await createReturn(old._id, [{ lineNumber: 1, quantity: 1 }])).data!.createReturn;
    assert.equal(closed.reason, 'WINDOW_CLOSED');
    assert.equal(closed.windowEndsAt, new Date(old.statusHistory.at(-1)!.at.getTime() + 30 * DAY).toISOString());
    assert.deepEqual(closed.lines, [{ lineNumber: 1, quantity: 2, returnable: 2 }]);
    const tooMany = (await createReturn(fresh._id, [{ lineNumber: 1, quantity: 3 }])).data!.createReturn;
    assert.deepEqual(
      [tooMany.__typename, tooMany.reason, tooMany.lines],
      ['ReturnRefused', 'QUANTITY_EXCEEDED', [{ lineNumber: 1, quantity: 2, returnable: 2 }]],
    );
    const notCompleted = (await createReturn(open._id, [{ lineNumber: 1, quantity: 1 }])).data!.createReturn;
    assert.deepEqual([notCompleted.reason, notCompleted.windowEndsAt], ['ORDER_NOT_RETURNABLE', null]);
    assert.equal((await refundPayment(open._id, 100)).data?.refundPayment.reason, 'ORDER_NOT_REFUNDABLE');

    assert.equal(errorCode(await createReturn(fresh._id, [{ lineNumber: 2, quantity: 1 }])), 'BAD_USER_INPUT');
    assert.equal(
      errorCode(
        await createReturn(fresh._id, [
          { lineNumber: 1, quantity: 1 },
          { lineNumber: 1, quantity: 1 },
        ]),
      ),
      'BAD_USER_INPUT',
    );
    assert.equal(errorCode(await createReturn(fresh._id, [{ lineNumber: 1, quantity: 0 }])), 'BAD_USER_INPUT');
    assert.equal(errorCode(await createReturn('ord_missing', [{ lineNumber: 1, quantity: 1 }])), 'NOT_FOUND');
    assert.equal(errorCode(await createReturn(fresh._id, [{ lineNumber: 1, quantity: 1 }], randomUUID(), principals.customer('cus_00002'))), 'FORBIDDEN');
    assert.equal(errorCode(await createReturn(fresh._id, [{ lineNumber: 1, quantity: 1 }], randomUUID(), principals.analyst)), 'FORBIDDEN');
    assert.equal(errorCode(await createReturn(fresh._id, [{ lineNumber: 1, quantity: 1 }], randomUUID(), principals.anonymous)), 'UNAUTHENTICATED');
    assert.equal(errorCode(await refundPayment(fresh._id, 100, randomUUID(), 'EUR')), 'BAD_USER_INPUT');
    assert.equal(errorCode(await receiveReturn('ret_missing', [{ lineNumber: 1, disposition: 'SELLABLE' }])), 'NOT_FOUND');
    assert.equal(await snapshot(), before);

    // A return must be received with a disposition for each of its lines.
    const created = (await createReturn(fresh._id, [{ lineNumber: 1, quantity: 1 }])).data!.createReturn.return!;
    const claimed = await stateOf(fresh._id);
    assert.equal(errorCode(await receiveReturn(created.id, [])), 'BAD_USER_INPUT');
    assert.equal(errorCode(await receiveReturn(created.id, [{ lineNumber: 2, disposition: 'SELLABLE' }])), 'BAD_USER_INPUT');
    assert.equal(await stateOf(fresh._id), claimed);
  });
});

describe('under concurrency', () => {
  test('50 concurrent single-unit returns and receipts against a line of 10: exactly 10 succeed and exactly the line total is refunded', async () => {
    const order = await fixtureOrder([{ sku: SKU_A, quantity: 10, unitPriceMinor: 777, unitCostMinor: 300 }]);
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const created = await createReturn(order._id, [{ lineNumber: 1, quantity: 1 }], randomUUID(), principals.associate);
        const result = created.data?.createReturn;
        if (result?.__typename !== 'ReturnCreated') return { created: false, reason: result?.reason, errors: created.errors };
        const received = await receiveReturn(result.return!.id, [{ lineNumber: 1, disposition: 'SELLABLE' }]);
        return { created: true, received: received.data?.receiveReturn.__typename, errors: received.errors };
      }),
    );
    for (const outcome of outcomes) assert.equal(outcome.errors, undefined, JSON.stringify(outcome.errors));
    assert.equal(outcomes.filter((outcome) => outcome.created).length, 10);
    assert.equal(outcomes.filter((outcome) => outcome.received === 'ReturnReceived').length, 10);
    // Refused while units were claimed, or once all 10 were back and the order RETURNED.
    assert.ok(
      outcomes.filter((outcome) => !outcome.created).every((outcome) => outcome.reason === 'QUANTITY_EXCEEDED' || outcome.reason === 'ORDER_NOT_RETURNABLE'),
    );
    const after = await stored(order._id);
    assert.equal(after.status, 'RETURNED');
    assert.deepEqual([after.lines[0]!.claimedQuantity, after.lines[0]!.returnedQuantity], [10, 10]);
    assert.equal(after.payment.refundedMinor, order.lines[0]!.lineTotalMinor);
    assert.equal(
      after.refunds!.reduce((sum, refund) => sum + refund.taxMinor, 0),
      order.lines[0]!.taxMinor,
    );
    await eventually('ten refunds on the bus', () => eventsOf('order.payment-refunded', order._id).length === 10);
    await untilEventsReceived(order._id);
    const refunds = eventsOf('order.payment-refunded', order._id);
    assert.equal(refunds.length, 10);
    assert.equal(
      refunds.reduce((sum, event) => sum + event.data.amount.minorUnits, 0),
      order.totals.totalMinor,
    );
    assert.equal(Math.max(...refunds.map((event) => event.data.refundedTotal.minorUnits)), order.totals.totalMinor);
    assert.equal(new Set(refunds.map((event) => event.data.refundedTotal.minorUnits)).size, 10);
  });

  test('100 concurrent partial refunds on one order never refund more than was captured, in the database or on the bus', async () => {
    const order = await fixtureOrder([{ sku: SKU_B, quantity: 3, unitPriceMinor: 2500, unitCostMinor: 1000 }]);
    const captured = order.payment.capturedMinor; // 7500 + 600 tax = 8100
    const amount = 337;
    const fits = Math.floor(captured / amount);
    const responses = await Promise.all(Array.from({ length: 100 }, () => refundPayment(order._id, amount)));
    for (const response of responses) assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    const issued = responses.filter((response) => response.data?.refundPayment.__typename === 'RefundIssued');
    const refused = responses.filter((response) => response.data?.refundPayment.__typename === 'RefundRefused');
    assert.equal(issued.length, fits);
    assert.equal(refused.length, 100 - fits);
    assert.ok(refused.every((response) => response.data?.refundPayment.reason === 'REFUND_EXCEEDS_CAPTURED'));
    // Tax is the order's tax share of each refund, rounded down.
    assert.ok(
      issued.every(
        (response) => response.data?.refundPayment.tax?.minorUnits === String(Math.floor((amount * order.totals.taxMinor) / order.totals.totalMinor)),
      ),
    );
    const after = await stored(order._id);
    assert.equal(after.payment.refundedMinor, fits * amount);
    assert.ok(after.payment.refundedMinor <= captured);
    assert.equal(after.refunds!.length, fits);
    assert.equal(after.status, 'COMPLETED');

    await eventually('every refund on the bus', () => eventsOf('order.payment-refunded', order._id).length >= fits);
    await untilEventsReceived(order._id);
    const events = eventsOf('order.payment-refunded', order._id);
    assert.equal(events.length, fits);
    assert.equal(
      events.reduce((sum, event) => sum + event.data.amount.minorUnits, 0),
      fits * amount,
    );
    assert.deepEqual(
      events.map((event) => event.data.refundedTotal.minorUnits).sort((a, b) => a - b),
      Array.from({ length: fits }, (_, i) => (i + 1) * amount),
    );

    // A repeated key answers with the first refund; what is left still refunds, a cent more does not.
    const key = randomUUID();
    const left = captured - fits * amount;
    const last = (await refundPayment(order._id, left, key)).data!.refundPayment;
    assert.equal(last.__typename, 'RefundIssued');
    assert.deepEqual((await refundPayment(order._id, left, key)).data!.refundPayment, last);
    assert.equal(errorCode(await refundPayment(order._id, left + 1, key)), 'IDEMPOTENCY_KEY_REUSED');
    assert.deepEqual((await refundPayment(order._id, 1)).data!.refundPayment, {
      __typename: 'RefundRefused',
      reason: 'REFUND_EXCEEDS_CAPTURED',
      refundable: { minorUnits: '0' },
    });
    // Goods brought back after the money is gone cannot be refunded again: nothing changes.
    const created = (await createReturn(order._id, [{ lineNumber: 1, quantity: 1 }])).data!.createReturn.return!;
    const before = await stateOf(order._id);
    const receipt = (await receiveReturn(created.id, [{ lineNumber: 1, disposition: 'SELLABLE' }])).data!.receiveReturn;
    assert.deepEqual([receipt.__typename, receipt.reason, receipt.refundable?.minorUnits], ['ReturnNotReceivable', 'REFUND_EXCEEDS_CAPTURED', '0']);
    assert.equal(await stateOf(order._id), before);
    assert.equal((await stored(order._id)).payment.refundedMinor, captured);
  });

  test('refunds racing from four instances (each with its own in-process queue) still never exceed captured: the guarded update decides', async () => {
    const order = await fixtureOrder([{ sku: SKU_B, quantity: 2, unitPriceMinor: 1999, unitCostMinor: 900 }]);
    const captured = order.payment.capturedMinor; // 3998 + 320 tax = 4318
    const amount = 101;
    const fits = Math.floor(captured / amount);
    const models = { orders: orderDocs() } as unknown as OrderModels;
    const instances = Array.from({ length: 4 }, () => ({ orderQueue: new KeyedQueue() }));
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        refundPaymentService(models, instances[i % 4]!, principals.associate, {
          orderId: order._id,
          amountMinor: BigInt(amount),
          currency: 'USD',
          reason: 'GOODWILL',
          idempotencyKey: randomUUID(),
        }),
      ),
    );
    assert.equal(outcomes.filter((outcome) => outcome.kind === 'issued').length, fits);
    assert.ok(
      outcomes.filter((outcome) => outcome.kind === 'refused').every((outcome) => outcome.kind === 'refused' && outcome.reason === 'REFUND_EXCEEDS_CAPTURED'),
    );
    const after = await stored(order._id);
    assert.equal(after.payment.refundedMinor, fits * amount);
    assert.deepEqual(
      after.refunds!.map((refund) => refund.refundedTotalMinor).sort((a, b) => a - b),
      Array.from({ length: fits }, (_, i) => (i + 1) * amount),
    );
    await eventually('every refund on the bus', () => eventsOf('order.payment-refunded', order._id).length >= fits);
    await untilEventsReceived(order._id);
    assert.equal(
      eventsOf('order.payment-refunded', order._id).reduce((sum, event) => sum + event.data.amount.minorUnits, 0),
      fits * amount,
    );
  });
});
