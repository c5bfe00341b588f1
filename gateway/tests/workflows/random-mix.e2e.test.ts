import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom, taxOf } from '@mesh/seed-data';
import { startMeshUnderTest, type MeshUnderTest } from '../mesh-fixture.js';
import { admin, inPool, placeOrder, setAvailable, stocksOf, until, type PlacedAnswer } from './workflow-kit.js';

// A seeded random mix of orders through every workflow (web and pickup orders, till sales,
// cancellations, fulfilments, returns, goodwill refunds), concurrently, through the real gateway.
// Afterwards the books must balance and reconcile, stock must add up and no order may be stuck.
// MESH_MIX_SEED reproduces a run's commands (every decision is drawn up front from the seed; how
// concurrent commands interleave is the system's own); MESH_MIX_ORDERS sizes it.
const SEED = Number(process.env['MESH_MIX_SEED'] ?? 20_261_122);
const ORDERS = Number(process.env['MESH_MIX_ORDERS'] ?? 2000);
const REPRODUCE = `(MESH_MIX_SEED=${SEED} MESH_MIX_ORDERS=${ORDERS} reproduces this run)`;
const WAREHOUSE = 'loc_wh_nj';
const STORE = 'loc_nyc01';
const SKUS = Array.from({ length: 24 }, (_, index) => `SKU-${String(20 + index).padStart(4, '0')}-01`);
const RUN = `mix-${SEED}-${Date.now().toString(36)}`;

let meshUnderTest: MeshUnderTest | undefined;
const mesh = (): MeshUnderTest => {
  if (!meshUnderTest) throw new Error('mesh not started');
  return meshUnderTest;
};

before(async () => {
  meshUnderTest = await startMeshUnderTest({ INVENTORY_RELAY_INTERVAL_MS: '250', SUBGRAPH_TIMEOUT_MS: '60000' });
}, { timeout: 300_000 });
after(async () => {
  await meshUnderTest?.stop();
});

type Gql = <T>(query: string, variables: Record<string, unknown>) => Promise<T>;
const gql: Gql = async (query, variables) => {
  const response = await mesh().query<never, Record<string, unknown>>(query, variables, admin);
  assert.equal(response.errors, undefined, `${query.slice(0, 60)}: ${JSON.stringify(response.errors)} ${REPRODUCE}`);
  return response.data as never;
};

interface OrderState {
  id: string;
  status: string;
  fulfillment: { type: string };
  totals: { total: { minorUnits: string } };
  payment: { captured: { minorUnits: string }; refunded: { minorUnits: string } };
  lines: { lineNumber: number; quantity: number }[];
}
const ORDER_FIELDS = 'id status fulfillment { type } totals { total { minorUnits } } payment { captured { minorUnits } refunded { minorUnits } } lines { lineNumber quantity }';

async function ordersSince(placedFrom: Date): Promise<OrderState[]> {
  const found: OrderState[] = [];
  let after: string | null = null;
  do {
    const data: { orders: { edges: { node: OrderState }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } = await gql(
      `query($f: OrderFilter, $after: String) { orders(filter: $f, first: 100, after: $after) { edges { node { ${ORDER_FIELDS} } } pageInfo { hasNextPage endCursor } } }`,
      { f: { placedFrom: placedFrom.toISOString() }, after },
    );
    found.push(...data.orders.edges.map((edge) => edge.node));
    after = data.orders.pageInfo.hasNextPage ? data.orders.pageInfo.endCursor : null;
  } while (after);
  return found;
}

describe('a seeded random mix of orders through every workflow', () => {
  test(`thousands of commands leave balanced, reconciled books, consistent stock and no stuck order ${REPRODUCE}`, { timeout: 1_800_000 }, async (t) => {
    // The same seed, the same mix.
    const random = new SeededRandom(SEED);
    const startedAt = new Date(Date.now() - 1000);
    for (const sku of SKUS) {
      await setAvailable(mesh(), sku, WAREHOUSE, 60);
      await setAvailable(mesh(), sku, STORE, 25);
    }
    const lines = () => {
      const skus = new Set(Array.from({ length: random.int(1, 3) }, () => random.pick(SKUS)));
      return [...skus].map((sku) => ({ sku, quantity: random.int(1, 3) }));
    };

    // 1. Web and pickup orders (over-asking some SKUs, so some are rejected), and till sales.
    const plans = Array.from({ length: ORDERS }, (_, index) => ({
      index,
      kind: random.next() < 0.15 ? 'POS' : random.next() < 0.25 ? 'PICKUP' : 'SHIP',
      lines: lines(),
      customerId: `cus_${String(random.int(100, 199)).padStart(5, '0')}`,
      // What happens to the order later, drawn now so that the seed alone decides it.
      fate: { cancel: random.next() < 0.15, after: random.next(), line: random.next(), quantity: random.next(), damaged: random.next() < 0.2, atStore: random.next() < 0.5, goodwill: random.next() },
      till: { prices: [random.int(500, 9000), random.int(500, 9000), random.int(500, 9000)], anonymous: random.next() < 0.5 },
    }));
    const planOf = new Map<string, (typeof plans)[number]>();
    const webPlans = plans.filter((plan) => plan.kind !== 'POS');
    const placed: PlacedAnswer[] = await inPool(webPlans, 25, (plan) =>
      placeOrder(mesh(), {
        idempotencyKey: `${RUN}-${plan.index}`,
        channel: plan.kind === 'PICKUP' ? 'APP' : 'WEB',
        customerId: plan.customerId,
        currency: 'USD',
        lines: plan.lines,
        fulfillment: plan.kind === 'PICKUP' ? { type: 'PICKUP_IN_STORE', locationId: STORE } : { type: 'SHIP', locationId: WAREHOUSE },
      }),
    );
    placed.forEach((answer, index) => planOf.set(answer.orderId, webPlans[index]!));
    const tillSales = plans.filter((plan) => plan.kind === 'POS');
    for (let start = 0; start < tillSales.length; start += 40) {
      const batch = tillSales.slice(start, start + 40);
      const transactions = batch.map((plan, offset) => {
        const priced = plan.lines.map((line, index) => ({ ...line, unitPriceMinor: String(plan.till.prices[index]) }));
        const net = priced.reduce((sum, line) => sum + Number(line.unitPriceMinor) * line.quantity, 0);
        const tax = priced.reduce((sum, line) => sum + taxOf(Number(line.unitPriceMinor) * line.quantity, 'USD'), 0);
        return {
          localId: `${RUN}-till-${plan.index}`, deviceId: `till-${RUN}`, sequence: start + offset + 1, occurredAt: new Date().toISOString(), currency: 'USD',
          lines: priced, payment: { method: 'CARD', amountMinor: String(net + tax) }, ...(plan.till.anonymous ? {} : { customerId: plan.customerId }),
        };
      });
      const data = await gql<{ syncPosTransactions: { results: { outcome: string; order: { id: string } | null }[] } }>(
        'mutation($s: ID!, $t: [PosTransactionInput!]!) { syncPosTransactions(storeId: $s, transactions: $t) { results { outcome order { id } } } }',
        { s: STORE, t: transactions },
      );
      data.syncPosTransactions.results.forEach((result, index) => {
        assert.equal(result.outcome, 'RECORDED', REPRODUCE);
        planOf.set(result.order!.id, batch[index]!);
      });
    }

    // 2. Every placed order is decided by itself (no client retry).
    const decided = await until('every order decided', 900_000, async () => {
      const orders = await ordersSince(startedAt);
      return orders.some((order) => order.status === 'PENDING' || order.status === 'PLACED') ? undefined : orders;
    }, 2000);
    assert.equal(decided.length, ORDERS, `one order per command ${REPRODUCE}`);

    // 3. Cancel some confirmed orders, fulfil the rest.
    const fulfil = (mutation: string, id: string, key: string) => gql<Record<string, { status: string }>>(`mutation($id: ID!, $k: String!) { ${mutation}(orderId: $id, idempotencyKey: $k) { status } }`, { id, k: key });
    const fateOf = (order: OrderState) => {
      const plan = planOf.get(order.id);
      assert.ok(plan, `${order.id} was placed by this test`);
      return plan.fate;
    };
    await inPool(decided.filter((order) => order.status === 'CONFIRMED'), 20, async (order) => {
      if (fateOf(order).cancel) {
        await gql('mutation($id: ID!, $k: String!) { cancelOrder(orderId: $id, reason: CUSTOMER_REQUEST, idempotencyKey: $k) { status } }', { id: order.id, k: `${RUN}-cancel-${order.id}` });
      } else if (order.fulfillment.type === 'PICKUP_IN_STORE') {
        await fulfil('markReadyForPickup', order.id, `${RUN}-ready-${order.id}`);
        await fulfil('confirmPickup', order.id, `${RUN}-pickup-${order.id}`);
      } else {
        await fulfil('shipOrder', order.id, `${RUN}-ship-${order.id}`);
      }
    });

    // 4. Returns (some damaged, some twice) and goodwill refunds on completed orders.
    const completed = (await ordersSince(startedAt)).filter((order) => order.status === 'COMPLETED');
    await inPool(completed, 20, async (order) => {
      const fate = fateOf(order);
      if (fate.after < 0.25) {
        const line = order.lines[Math.floor(fate.line * order.lines.length)]!;
        const quantity = 1 + Math.floor(fate.quantity * line.quantity);
        const created = await gql<{ createReturn: { __typename: string; return?: { id: string } } }>(
          'mutation($i: CreateReturnInput!) { createReturn(input: $i) { __typename ... on ReturnCreated { return { id } } } }',
          { i: { idempotencyKey: `${RUN}-return-${order.id}`, orderId: order.id, lines: [{ lineNumber: line.lineNumber, quantity }], reason: 'CHANGED_MIND' } },
        );
        assert.equal(created.createReturn.__typename, 'ReturnCreated', REPRODUCE);
        await gql('mutation($i: ReceiveReturnInput!) { receiveReturn(input: $i) { __typename } }', {
          i: { returnId: created.createReturn.return!.id, idempotencyKey: `${RUN}-receive-${order.id}`, locationId: fate.atStore ? STORE : WAREHOUSE, lines: [{ lineNumber: line.lineNumber, disposition: fate.damaged ? 'DAMAGED' : 'SELLABLE' }] },
        });
      } else if (fate.after < 0.35) {
        const total = Number(order.totals.total.minorUnits);
        await gql('mutation($i: RefundPaymentInput!) { refundPayment(input: $i) { __typename } }', {
          i: { idempotencyKey: `${RUN}-goodwill-${order.id}`, orderId: order.id, amountMinor: String(1 + Math.floor(fate.goodwill * Math.max(1, Math.floor(total / 2)))), currency: 'USD', reason: 'GOODWILL' },
        });
      }
    });

    // 5. Once the ledger has caught up: every order final, refunds within captures, books balanced and reconciled.
    const finalOrders = await ordersSince(startedAt);
    const counts = finalOrders.reduce<Record<string, number>>((acc, order) => ({ ...acc, [order.status]: (acc[order.status] ?? 0) + 1 }), {});
    t.diagnostic(`orders by final status ${JSON.stringify(counts)}; placed answers ${placed.length}, till sales ${tillSales.length}`);
    for (const order of finalOrders) {
      assert.ok(['REJECTED', 'CANCELLED', 'COMPLETED', 'PARTIALLY_RETURNED', 'RETURNED'].includes(order.status), `${order.id} is final (${order.status}) ${REPRODUCE}`);
      assert.ok(BigInt(order.payment.refunded.minorUnits) <= BigInt(order.payment.captured.minorUnits), `${order.id} refunded within captured ${REPRODUCE}`);
    }
    assert.ok((counts['REJECTED'] ?? 0) > 0 && (counts['CANCELLED'] ?? 0) > 0 && (counts['PARTIALLY_RETURNED'] ?? 0) + (counts['RETURNED'] ?? 0) > 0, `the mix covers rejections, cancellations and returns ${REPRODUCE}`);

    // The ledger learns everything from events, so it may lag: wait until it has posted, per order,
    // exactly one capture of what was captured and refunds adding up to what was refunded. Only
    // then do the reconciliation and balance checks below compare complete books.
    type EntryNode = { order: { id: string } | null; source: { type: string }; lines: { account: { code: string }; debit: { minorUnits: string }; credit: { minorUnits: string } }[] };
    const postingsByOrder = async () => {
      const byOrder = new Map<string, { captures: bigint[]; refunded: bigint }>();
      let cursor: string | null = null;
      do {
        type Page = { journalEntries: { edges: { node: EntryNode }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };
        const page: Page = await gql<Page>(
          'query($from: DateTime!, $after: String) { journalEntries(filter: { currency: USD, postedFrom: $from }, first: 100, after: $after) { edges { node { order { id } source { type } lines { account { code } debit { minorUnits } credit { minorUnits } } } } pageInfo { hasNextPage endCursor } } }',
          { from: startedAt.toISOString(), after: cursor },
        );
        for (const { node } of page.journalEntries.edges) {
          if (!node.order) continue;
          const entry = byOrder.get(node.order.id) ?? { captures: [], refunded: 0n };
          const clearing = node.lines.filter((line) => line.account.code === '1100');
          if (node.source.type === 'ORDER_CAPTURED') entry.captures.push(clearing.reduce((sum, line) => sum + BigInt(line.debit.minorUnits), 0n));
          if (node.source.type === 'REFUND') entry.refunded += clearing.reduce((sum, line) => sum + BigInt(line.credit.minorUnits), 0n);
          byOrder.set(node.order.id, entry);
        }
        cursor = page.journalEntries.pageInfo.hasNextPage ? page.journalEntries.pageInfo.endCursor : null;
      } while (cursor);
      return byOrder;
    };
    const differences = (byOrder: Map<string, { captures: bigint[]; refunded: bigint }>) =>
      finalOrders.flatMap((order) => {
        const posted = byOrder.get(order.id) ?? { captures: [], refunded: 0n };
        const captured = BigInt(order.payment.captured.minorUnits);
        const wanted = captured > 0n ? [captured] : [];
        const same = posted.captures.length === wanted.length && posted.captures.every((amount, index) => amount === wanted[index]) && posted.refunded === BigInt(order.payment.refunded.minorUnits);
        return same ? [] : [`${order.id} ${order.status}: captured ${captured} refunded ${order.payment.refunded.minorUnits}, posted captures [${posted.captures.join(', ')}] refunds ${posted.refunded}`];
      });
    let lastDifferences: string[] = [];
    await until('the ledger posted every capture and refund exactly once', 900_000, async () => {
      lastDifferences = differences(await postingsByOrder());
      return lastDifferences.length === 0 ? true : undefined;
    }, 3000).catch(() => assert.fail(`${lastDifferences.length} orders differ from their postings, e.g. ${lastDifferences.slice(0, 3).join('; ')} ${REPRODUCE}`));

    const today = new Date().toISOString().slice(0, 10);
    type Recon = { reconciliation: { reconciled: boolean; mismatches: { orderId: string; kind: string; mismatch: string }[] } };
    const reconciled = await until('the day reconciles', 600_000, async () => {
      const data = await gql<Recon>('query($d: String!) { reconciliation(date: $d, currency: USD) { reconciled mismatches { orderId kind mismatch } } }', { d: today });
      return data.reconciliation.reconciled ? data.reconciliation : undefined;
    }, 2000);
    assert.deepEqual(reconciled.mismatches, [], REPRODUCE);

    type Trial = { trialBalance: { balanced: boolean; lines: { account: { code: string; balance: { minorUnits: string } }; balance: { minorUnits: string } }[] } };
    // Return and movement postings are not part of reconciliation and may still be arriving:
    // stored balances must catch up with the journal, and then equal it exactly.
    const trialQuery = '{ trialBalance(currency: USD) { balanced lines { account { code balance(currency: USD) { minorUnits } } balance { minorUnits } } } }';
    const trial = await until('stored balances equal the journal', 120_000, async () => {
      const found = await gql<Trial>(trialQuery, {});
      return found.trialBalance.lines.every((line) => line.account.balance.minorUnits === line.balance.minorUnits) ? found : undefined;
    }, 1000).catch(async () => gql<Trial>(trialQuery, {}));
    assert.equal(trial.trialBalance.balanced, true, `trial balance is zero ${REPRODUCE}`);
    for (const line of trial.trialBalance.lines) assert.equal(line.account.balance.minorUnits, line.balance.minorUnits, `stored ${line.account.code} equals recomputed ${REPRODUCE}`);

    let after: string | null = null;
    let entries = 0;
    do {
      type Page = { journalEntries: { edges: { node: { id: string; lines: { debit: { minorUnits: string }; credit: { minorUnits: string } }[] } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };
      const page: Page = await gql<Page>('query($after: String) { journalEntries(filter: { currency: USD }, first: 100, after: $after) { edges { node { id lines { debit { minorUnits } credit { minorUnits } } } } pageInfo { hasNextPage endCursor } } }', { after });
      for (const { node } of page.journalEntries.edges) {
        const debit = node.lines.reduce((sum, line) => sum + BigInt(line.debit.minorUnits), 0n);
        const credit = node.lines.reduce((sum, line) => sum + BigInt(line.credit.minorUnits), 0n);
        assert.equal(debit, credit, `${node.id} balances ${REPRODUCE}`);
        entries += 1;
      }
      after = page.journalEntries.pageInfo.hasNextPage ? page.journalEntries.pageInfo.endCursor : null;
    } while (after);
    t.diagnostic(`${entries} USD journal entries, each balanced`);

    // Stock: nothing left reserved (every confirmed order was fulfilled or cancelled), nothing negative.
    for (const location of [WAREHOUSE, STORE]) {
      const levels = await until(`${location} settled`, 120_000, async () => {
        const found = await stocksOf(mesh(), SKUS, location);
        return found.every((level) => level.reserved === 0) ? found : undefined;
      });
      for (const level of levels) {
        assert.ok(level.onHand >= 0 && level.available >= 0, `${location}: ${JSON.stringify(level)} ${REPRODUCE}`);
      }
    }
  });
});
