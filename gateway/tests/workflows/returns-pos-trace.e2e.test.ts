import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { principals } from '@mesh/test-kit';
import { taxOf } from '@mesh/seed-data';
import { errorCodes, meshForThisFile } from '../mesh-fixture.js';
import { admin, placeOrder, setAvailable, stockOf, until, webOrder } from './workflow-kit.js';

// Return to refund across channels, store POS sync and the cross-domain trace, through the real
// gateway over HTTP with every service a separate process on the embedded database and NATS.
const WAREHOUSE = 'loc_wh_nj';
const STORE = 'loc_nyc01';
const RUN = Date.now().toString(36);

const mesh = meshForThisFile({ INVENTORY_RELAY_INTERVAL_MS: '250', SUBGRAPH_TIMEOUT_MS: '60000' });

interface OrderView {
  id: string;
  status: string;
  correlationId: string;
  payment: { captured: { minorUnits: string }; refunded: { minorUnits: string } };
  lines: { lineNumber: number; lineTotal: { minorUnits: string } }[];
  journalEntries: { source: { type: string }; lines: { debit: { minorUnits: string }; credit: { minorUnits: string } }[] }[] | null;
}

const ORDER_VIEW = `query($id: ID!) { order(id: $id) {
  id status correlationId
  payment { captured { minorUnits } refunded { minorUnits } }
  lines { lineNumber lineTotal { minorUnits } }
  journalEntries { source { type } lines { debit { minorUnits } credit { minorUnits } } }
} }`;

async function orderView(id: string): Promise<OrderView> {
  const response = await mesh().query<{ order: OrderView }, { id: string }>(ORDER_VIEW, { id }, admin);
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  return response.data!.order;
}

function assertBalanced(entries: NonNullable<OrderView['journalEntries']>): void {
  for (const entry of entries) {
    const debit = entry.lines.reduce((sum, line) => sum + BigInt(line.debit.minorUnits), 0n);
    const credit = entry.lines.reduce((sum, line) => sum + BigInt(line.credit.minorUnits), 0n);
    assert.equal(debit, credit, `${entry.source.type} entry balances`);
  }
}

describe('return to refund, POS sync and trace, through the gateway', () => {
  let shipped: OrderView | undefined;

  test(
    'a web order shipped from the warehouse and returned in a store is refunded, restocked at the store and reversed in the ledger',
    { timeout: 300_000 },
    async () => {
      const sku = 'SKU-0003-01';
      await setAvailable(mesh(), sku, WAREHOUSE, 10);
      const storeBefore = await stockOf(mesh(), sku, STORE);
      const answer = await placeOrder(mesh(), webOrder(`${RUN}-return`, 'cus_00021', WAREHOUSE, [{ sku, quantity: 2 }]));
      assert.equal(answer.typename, 'OrderPlaced');
      await until('order confirmed', 60_000, async () => ((await orderView(answer.orderId)).status === 'CONFIRMED' ? true : undefined));

      const ship = await mesh().query<{ shipOrder: { status: string } }, Record<string, unknown>>(
        'mutation($id: ID!, $key: String!) { shipOrder(orderId: $id, idempotencyKey: $key) { status } }',
        { id: answer.orderId, key: `${RUN}-ship` },
        admin,
      );
      assert.equal(ship.data?.shipOrder.status, 'COMPLETED', JSON.stringify(ship.errors));

      const created = await mesh().query<{ createReturn: { __typename: string; return?: { id: string } } }, Record<string, unknown>>(
        `mutation($input: CreateReturnInput!) { createReturn(input: $input) { __typename ... on ReturnCreated { return { id } } } }`,
        { input: { idempotencyKey: `${RUN}-return-1`, orderId: answer.orderId, lines: [{ lineNumber: 1, quantity: 1 }], reason: 'CHANGED_MIND' } },
        principals.customer('cus_00021'),
      );
      assert.equal(created.data?.createReturn.__typename, 'ReturnCreated', JSON.stringify(created));
      const returnId = created.data!.createReturn.return!.id;

      // The customer may ask for a return, but only store staff take the goods back and refund.
      const refused = await mesh().query(
        `mutation($input: ReceiveReturnInput!) { receiveReturn(input: $input) { __typename } }`,
        { input: { returnId, idempotencyKey: `${RUN}-receive-1`, locationId: STORE, lines: [{ lineNumber: 1, disposition: 'SELLABLE' }] } },
        principals.customer('cus_00021'),
      );
      assert.deepEqual(errorCodes(refused), ['FORBIDDEN']);

      const received = await mesh().query<{ receiveReturn: { __typename: string; order?: { status: string } } }, Record<string, unknown>>(
        `mutation($input: ReceiveReturnInput!) { receiveReturn(input: $input) { __typename ... on ReturnReceived { order { status } } } }`,
        { input: { returnId, idempotencyKey: `${RUN}-receive-1`, locationId: STORE, lines: [{ lineNumber: 1, disposition: 'SELLABLE' }] } },
        principals.associate,
      );
      assert.equal(received.data?.receiveReturn.__typename, 'ReturnReceived', JSON.stringify(received));
      assert.equal(received.data?.receiveReturn.order?.status, 'PARTIALLY_RETURNED');

      const order = await orderView(answer.orderId);
      const lineTotal = BigInt(order.lines[0]!.lineTotal.minorUnits);
      // Returning one of two units refunds half the line: price plus that unit's share of the tax.
      assert.equal(BigInt(order.payment.refunded.minorUnits), lineTotal / 2n);
      assert.ok(BigInt(order.payment.refunded.minorUnits) <= BigInt(order.payment.captured.minorUnits));

      // The unit went back on the shelf at the store it was brought to, not the warehouse it left.
      await until('store restocked', 60_000, async () => ((await stockOf(mesh(), sku, STORE)).onHand === storeBefore.onHand + 1 ? true : undefined));

      shipped = await until('refund and return posted', 60_000, async () => {
        const view = await orderView(answer.orderId);
        const types = new Set((view.journalEntries ?? []).map((entry) => entry.source.type));
        return ['ORDER_CAPTURED', 'ORDER_FULFILLED', 'REFUND', 'RETURN_RECEIVED'].every((type) => types.has(type)) ? view : undefined;
      });
      assertBalanced(shipped.journalEntries ?? []);
      const trial = await mesh().query<{ trialBalance: { balanced: boolean } }, Record<string, unknown>>(
        '{ trialBalance(currency: USD) { balanced } }',
        {},
        admin,
      );
      assert.equal(trial.data?.trialBalance.balanced, true);
    },
  );

  test('the trace of the order shows request, events, stock movements and postings of every domain in time order', { timeout: 120_000 }, async () => {
    assert.ok(shipped, 'the return test ran first');
    const query = 'query($id: String!) { trace(correlationId: $id) { correlationId steps { at domain kind summary reference } } }';
    type TraceData = { trace: { steps: { at: string; domain: string; kind: string }[] } };
    const steps = await until('trace complete', 60_000, async () => {
      const response = await mesh().query<TraceData, { id: string }>(query, { id: shipped!.correlationId }, principals.analyst);
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      const found = response.data!.trace.steps;
      const kinds = new Set(found.map((step) => `${step.domain} ${step.kind}`));
      const wanted = [
        'ORDER order status PLACED',
        'ORDER order status CONFIRMED',
        'ORDER order status SHIPPED',
        'ORDER order status PARTIALLY_RETURNED',
        'ORDER event published order.order-placed',
        'INVENTORY event handled order.order-placed',
        'INVENTORY stock movement SALE',
        'INVENTORY stock movement RETURN',
        'LEDGER journal entry posted',
      ];
      return wanted.every((kind) => kinds.has(kind)) ? found : undefined;
    });
    const times = steps.map((step) => Date.parse(step.at));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
      'steps are in time order',
    );

    const forbidden = await mesh().query(query, { id: shipped.correlationId }, principals.associate);
    assert.ok(errorCodes(forbidden).includes('FORBIDDEN'), JSON.stringify(forbidden.errors));
  });

  test('a store POS batch uploaded three times, reordered and interrupted, records and decrements each sale once', { timeout: 300_000 }, async () => {
    const sku = 'SKU-0004-02';
    const before = await stockOf(mesh(), sku, STORE);
    const unitPriceMinor = 1999;
    const sale = (sequence: number, quantity: number) => {
      const net = unitPriceMinor * quantity;
      return {
        localId: `${RUN}-till-${sequence}`,
        deviceId: `till-${RUN}`,
        sequence,
        occurredAt: new Date(Date.now() - (10 - sequence) * 60_000).toISOString(),
        currency: 'USD',
        lines: [{ sku, quantity, unitPriceMinor: String(unitPriceMinor) }],
        payment: { method: 'CARD', amountMinor: String(net + taxOf(net, 'USD')) },
      };
    };
    const batch = [sale(1, 1), sale(2, 2), sale(3, 1), sale(4, 3)];
    const sync = async (transactions: typeof batch) => {
      const response = await mesh().query<
        { syncPosTransactions: { results: { localId: string; outcome: string; order: { id: string } | null }[] } },
        Record<string, unknown>
      >(
        'mutation($store: ID!, $tx: [PosTransactionInput!]!) { syncPosTransactions(storeId: $store, transactions: $tx) { results { localId outcome order { id } } } }',
        { store: STORE, tx: transactions },
        principals.associate,
      );
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      return response.data!.syncPosTransactions.results;
    };

    const first = await sync(batch);
    assert.deepEqual(
      first.map((result) => result.outcome),
      ['RECORDED', 'RECORDED', 'RECORDED', 'RECORDED'],
    );
    const reversed = await sync([...batch].reverse());
    assert.deepEqual(
      reversed.map((result) => result.outcome),
      ['ALREADY_RECORDED', 'ALREADY_RECORDED', 'ALREADY_RECORDED', 'ALREADY_RECORDED'],
    );
    const [partA, partB] = await Promise.all([sync([batch[2]!, batch[0]!]), sync([batch[3]!, batch[1]!])]);
    for (const result of [...partA, ...partB]) assert.equal(result.outcome, 'ALREADY_RECORDED');
    const orderIds = new Set([...first, ...reversed, ...partA, ...partB].map((result) => result.order?.id));
    assert.equal(orderIds.size, 4, 'one order per till sale whatever the upload');

    const sold = 1 + 2 + 1 + 3;
    const expected = Math.max(0, before.onHand - sold);
    await until('store stock decremented', 60_000, async () => ((await stockOf(mesh(), sku, STORE)).onHand === expected ? true : undefined));
    // Nothing more arrives later: the decrement happened once.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    assert.equal((await stockOf(mesh(), sku, STORE)).onHand, expected);

    for (const id of orderIds) {
      const view = await until(`${id} posted`, 60_000, async () => {
        const found = await orderView(id!);
        return (found.journalEntries ?? []).some((entry) => entry.source.type === 'ORDER_CAPTURED') ? found : undefined;
      });
      assert.equal(view.status, 'COMPLETED');
      assert.equal((view.journalEntries ?? []).filter((entry) => entry.source.type === 'ORDER_CAPTURED').length, 1);
      assertBalanced(view.journalEntries ?? []);
    }
  });
});
