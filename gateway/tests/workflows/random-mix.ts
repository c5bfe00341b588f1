import assert from 'node:assert/strict';
import { SeededRandom, taxOf } from '@mesh/seed-data';
import type { GatewayQuery } from '../mesh-fixture.js';
import { admin, inPool, placeOrder, setAvailable, stocksOf, until, type PlacedAnswer } from './workflow-kit.js';

// A seeded random mix of orders through every workflow (web and pickup orders, till sales,
// cancellations, fulfilments, returns, goodwill refunds), concurrently, through the real gateway
// (or several gateways taking turns). Afterwards the books must balance and reconcile, stock must
// add up and no order may be stuck. Every decision is drawn up front from the seed; how
// concurrent commands interleave is the system's own.
const WAREHOUSE = 'loc_wh_nj';
const STORE = 'loc_nyc01';
const SKUS = Array.from({ length: 24 }, (_, index) => `SKU-${String(20 + index).padStart(4, '0')}-01`);

export interface RandomMixOptions {
  /** Where every command and check goes: one gateway, or several in turn (`MeshUnderTest.alternating`). */
  readonly graph: GatewayQuery;
  readonly seed: number;
  /** Orders in the mix (web, pickup and till). */
  readonly orders: number;
  /** Appended to every failure: the environment that reproduces the run. */
  readonly reproduce: string;
  /** Where the figures of the run go (the test's diagnostics). */
  readonly diagnostic: (message: string) => void;
}

type Gql = <T>(query: string, variables: Record<string, unknown>) => Promise<T>;

interface OrderState {
  id: string;
  status: string;
  fulfillment: { type: string };
  totals: { total: { minorUnits: string } };
  payment: { captured: { minorUnits: string }; refunded: { minorUnits: string } };
  lines: { lineNumber: number; quantity: number }[];
}
const ORDER_FIELDS =
  'id status fulfillment { type } totals { total { minorUnits } } payment { captured { minorUnits } refunded { minorUnits } } lines { lineNumber quantity }';

async function ordersSince(gql: Gql, placedFrom: Date): Promise<OrderState[]> {
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

/**
 * Runs the mix and asserts every invariant: one order per command, every order decided by itself
 * and final, refunds within captures, the ledger posting each capture and refund exactly once, the
 * day reconciled, the trial balance zero with stored balances equal to the journal, every entry
 * balanced, and stock with nothing left reserved and nothing negative. Stock of the mix's SKUs is
 * set afresh first, so each run needs its own mesh.
 */
export async function runRandomMix(options: RandomMixOptions): Promise<void> {
  const { graph, seed, orders, reproduce, diagnostic } = options;
  const run = `mix-${seed}-${Date.now().toString(36)}`;
  const gql: Gql = async (query, variables) => {
    const response = await graph.query<never, Record<string, unknown>>(query, variables, admin);
    assert.equal(response.errors, undefined, `${query.slice(0, 60)}: ${JSON.stringify(response.errors)} ${reproduce}`);
    return response.data as never;
  };
  // The same seed, the same mix.
  const random = new SeededRandom(seed);
  const startedAt = new Date(Date.now() - 1000);
  // Stock scales with the mix (60 and 25 units a SKU at 2,000 orders), so every size over-asks some SKUs.
  const warehouseUnits = Math.max(4, Math.round((60 * orders) / 2000));
  const storeUnits = Math.max(2, Math.round((25 * orders) / 2000));
  for (const sku of SKUS) {
    await setAvailable(graph, sku, WAREHOUSE, warehouseUnits);
    await setAvailable(graph, sku, STORE, storeUnits);
  }
  const lines = () => {
    const skus = new Set(Array.from({ length: random.int(1, 3) }, () => random.pick(SKUS)));
    return [...skus].map((sku) => ({ sku, quantity: random.int(1, 3) }));
  };

  // 1. Web and pickup orders (over-asking some SKUs, so some are rejected), and till sales.
  const plans = Array.from({ length: orders }, (_, index) => ({
    index,
    kind: random.next() < 0.15 ? 'POS' : random.next() < 0.25 ? 'PICKUP' : 'SHIP',
    lines: lines(),
    customerId: `cus_${String(random.int(100, 199)).padStart(5, '0')}`,
    // What happens to the order later, drawn now so that the seed alone decides it.
    fate: {
      cancel: random.next() < 0.15,
      after: random.next(),
      line: random.next(),
      quantity: random.next(),
      damaged: random.next() < 0.2,
      atStore: random.next() < 0.5,
      goodwill: random.next(),
    },
    till: { prices: [random.int(500, 9000), random.int(500, 9000), random.int(500, 9000)], anonymous: random.next() < 0.5 },
  }));
  const planOf = new Map<string, (typeof plans)[number]>();
  const webPlans = plans.filter((plan) => plan.kind !== 'POS');
  const placed: PlacedAnswer[] = await inPool(webPlans, 25, (plan) =>
    placeOrder(graph, {
      idempotencyKey: `${run}-${plan.index}`,
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
        localId: `${run}-till-${plan.index}`,
        deviceId: `till-${run}`,
        sequence: start + offset + 1,
        occurredAt: new Date().toISOString(),
        currency: 'USD',
        lines: priced,
        payment: { method: 'CARD', amountMinor: String(net + tax) },
        ...(plan.till.anonymous ? {} : { customerId: plan.customerId }),
      };
    });
    const data = await gql<{ syncPosTransactions: { results: { outcome: string; order: { id: string } | null }[] } }>(
      'mutation($s: ID!, $t: [PosTransactionInput!]!) { syncPosTransactions(storeId: $s, transactions: $t) { results { outcome order { id } } } }',
      { s: STORE, t: transactions },
    );
    data.syncPosTransactions.results.forEach((result, index) => {
      assert.equal(result.outcome, 'RECORDED', reproduce);
      planOf.set(result.order!.id, batch[index]!);
    });
  }

  // 2. Every placed order is decided by itself (no client retry).
  const decided = await until(
    'every order decided',
    900_000,
    async () => {
      const orders = await ordersSince(gql, startedAt);
      return orders.some((order) => order.status === 'PENDING' || order.status === 'PLACED') ? undefined : orders;
    },
    2000,
  );
  assert.equal(decided.length, orders, `one order per command ${reproduce}`);

  // 3. Cancel some confirmed orders, fulfil the rest.
  const fulfil = (mutation: string, id: string, key: string) =>
    gql<Record<string, { status: string }>>(`mutation($id: ID!, $k: String!) { ${mutation}(orderId: $id, idempotencyKey: $k) { status } }`, { id, k: key });
  const fateOf = (order: OrderState) => {
    const plan = planOf.get(order.id);
    assert.ok(plan, `${order.id} was placed by this test`);
    return plan.fate;
  };
  await inPool(
    decided.filter((order) => order.status === 'CONFIRMED'),
    20,
    async (order) => {
      if (fateOf(order).cancel) {
        await gql('mutation($id: ID!, $k: String!) { cancelOrder(orderId: $id, reason: CUSTOMER_REQUEST, idempotencyKey: $k) { status } }', {
          id: order.id,
          k: `${run}-cancel-${order.id}`,
        });
      } else if (order.fulfillment.type === 'PICKUP_IN_STORE') {
        await fulfil('markReadyForPickup', order.id, `${run}-ready-${order.id}`);
        await fulfil('confirmPickup', order.id, `${run}-pickup-${order.id}`);
      } else {
        await fulfil('shipOrder', order.id, `${run}-ship-${order.id}`);
      }
    },
  );

  // 4. Returns (some damaged, some twice) and goodwill refunds on completed orders.
  const completed = (await ordersSince(gql, startedAt)).filter((order) => order.status === 'COMPLETED');
  await inPool(completed, 20, async (order) => {
    const fate = fateOf(order);
    if (fate.after < 0.25) {
      const line = order.lines[Math.floor(fate.line * order.lines.length)]!;
      const quantity = 1 + Math.floor(fate.quantity * line.quantity);
      const created = await gql<{ createReturn: { __typename: string; return?: { id: string } } }>(
        'mutation($i: CreateReturnInput!) { createReturn(input: $i) { __typename ... on ReturnCreated { return { id } } } }',
        { i: { idempotencyKey: `${run}-return-${order.id}`, orderId: order.id, lines: [{ lineNumber: line.lineNumber, quantity }], reason: 'CHANGED_MIND' } },
      );
      assert.equal(created.createReturn.__typename, 'ReturnCreated', reproduce);
      await gql('mutation($i: ReceiveReturnInput!) { receiveReturn(input: $i) { __typename } }', {
        i: {
          returnId: created.createReturn.return!.id,
          idempotencyKey: `${run}-receive-${order.id}`,
          locationId: fate.atStore ? STORE : WAREHOUSE,
          lines: [{ lineNumber: line.lineNumber, disposition: fate.damaged ? 'DAMAGED' : 'SELLABLE' }],
        },
      });
    } else if (fate.after < 0.35) {
      const total = Number(order.totals.total.minorUnits);
      await gql('mutation($i: RefundPaymentInput!) { refundPayment(input: $i) { __typename } }', {
        i: {
          idempotencyKey: `${run}-goodwill-${order.id}`,
          orderId: order.id,
          amountMinor: String(1 + Math.floor(fate.goodwill * Math.max(1, Math.floor(total / 2)))),
          currency: 'USD',
          reason: 'GOODWILL',
        },
      });
    }
  });

  // 5. Once the ledger has caught up: every order final, refunds within captures, books balanced and reconciled.
  const finalOrders = await ordersSince(gql, startedAt);
  const counts = finalOrders.reduce<Record<string, number>>((acc, order) => ({ ...acc, [order.status]: (acc[order.status] ?? 0) + 1 }), {});
  diagnostic(`orders by final status ${JSON.stringify(counts)}; placed answers ${placed.length}, till sales ${tillSales.length}`);
  for (const order of finalOrders) {
    assert.ok(
      ['REJECTED', 'CANCELLED', 'COMPLETED', 'PARTIALLY_RETURNED', 'RETURNED'].includes(order.status),
      `${order.id} is final (${order.status}) ${reproduce}`,
    );
    assert.ok(BigInt(order.payment.refunded.minorUnits) <= BigInt(order.payment.captured.minorUnits), `${order.id} refunded within captured ${reproduce}`);
  }
  assert.ok(
    (counts['REJECTED'] ?? 0) > 0 && (counts['CANCELLED'] ?? 0) > 0 && (counts['PARTIALLY_RETURNED'] ?? 0) + (counts['RETURNED'] ?? 0) > 0,
    `the mix covers rejections, cancellations and returns ${reproduce}`,
  );

  // The ledger learns everything from events, so it may lag: wait until it has posted, per order,
  // exactly one capture of what was captured and refunds adding up to what was refunded. Only
  // then do the reconciliation and balance checks below compare complete books.
  type EntryNode = {
    order: { id: string } | null;
    source: { type: string };
    lines: { account: { code: string }; debit: { minorUnits: string }; credit: { minorUnits: string } }[];
  };
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
      const same =
        posted.captures.length === wanted.length &&
        posted.captures.every((amount, index) => amount === wanted[index]) &&
        posted.refunded === BigInt(order.payment.refunded.minorUnits);
      return same
        ? []
        : [
            `${order.id} ${order.status}: captured ${captured} refunded ${order.payment.refunded.minorUnits}, posted captures [${posted.captures.join(', ')}] refunds ${posted.refunded}`,
          ];
    });
  let lastDifferences: string[] = [];
  await until(
    'the ledger posted every capture and refund exactly once',
    900_000,
    async () => {
      lastDifferences = differences(await postingsByOrder());
      return lastDifferences.length === 0 ? true : undefined;
    },
    3000,
  ).catch(() => assert.fail(`${lastDifferences.length} orders differ from their postings, e.g. ${lastDifferences.slice(0, 3).join('; ')} ${reproduce}`));

  const today = new Date().toISOString().slice(0, 10);
  type Recon = { reconciliation: { reconciled: boolean; mismatches: { orderId: string; kind: string; mismatch: string }[] } };
  const reconciled = await until(
    'the day reconciles',
    600_000,
    async () => {
      const data = await gql<Recon>('query($d: String!) { reconciliation(date: $d, currency: USD) { reconciled mismatches { orderId kind mismatch } } }', {
        d: today,
      });
      return data.reconciliation.reconciled ? data.reconciliation : undefined;
    },
    2000,
  );
  assert.deepEqual(reconciled.mismatches, [], reproduce);

  type Trial = {
    trialBalance: { balanced: boolean; lines: { account: { code: string; balance: { minorUnits: string } }; balance: { minorUnits: string } }[] };
  };
  // Return and movement postings are not part of reconciliation and may still be arriving:
  // stored balances must catch up with the journal, and then equal it exactly.
  const trialQuery = '{ trialBalance(currency: USD) { balanced lines { account { code balance(currency: USD) { minorUnits } } balance { minorUnits } } } }';
  const trial = await until(
    'stored balances equal the journal',
    120_000,
    async () => {
      const found = await gql<Trial>(trialQuery, {});
      return found.trialBalance.lines.every((line) => line.account.balance.minorUnits === line.balance.minorUnits) ? found : undefined;
    },
    1000,
  ).catch(async () => gql<Trial>(trialQuery, {}));
  assert.equal(trial.trialBalance.balanced, true, `trial balance is zero ${reproduce}`);
  for (const line of trial.trialBalance.lines)
    assert.equal(line.account.balance.minorUnits, line.balance.minorUnits, `stored ${line.account.code} equals recomputed ${reproduce}`);

  let after: string | null = null;
  let entries = 0;
  do {
    type Page = {
      journalEntries: {
        edges: { node: { id: string; lines: { debit: { minorUnits: string }; credit: { minorUnits: string } }[] } }[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    };
    const page: Page = await gql<Page>(
      'query($after: String) { journalEntries(filter: { currency: USD }, first: 100, after: $after) { edges { node { id lines { debit { minorUnits } credit { minorUnits } } } } pageInfo { hasNextPage endCursor } } }',
      { after },
    );
    for (const { node } of page.journalEntries.edges) {
      const debit = node.lines.reduce((sum, line) => sum + BigInt(line.debit.minorUnits), 0n);
      const credit = node.lines.reduce((sum, line) => sum + BigInt(line.credit.minorUnits), 0n);
      assert.equal(debit, credit, `${node.id} balances ${reproduce}`);
      entries += 1;
    }
    after = page.journalEntries.pageInfo.hasNextPage ? page.journalEntries.pageInfo.endCursor : null;
  } while (after);
  diagnostic(`${entries} USD journal entries, each balanced`);

  // Stock: nothing left reserved (every confirmed order was fulfilled or cancelled), nothing negative.
  for (const location of [WAREHOUSE, STORE]) {
    const levels = await until(`${location} settled`, 120_000, async () => {
      const found = await stocksOf(graph, SKUS, location);
      return found.every((level) => level.reserved === 0) ? found : undefined;
    });
    for (const level of levels) {
      assert.ok(level.onHand >= 0 && level.available >= 0, `${location}: ${JSON.stringify(level)} ${reproduce}`);
    }
  }
}
