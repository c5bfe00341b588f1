import { setTimeout as sleep } from 'node:timers/promises';
import { retailDataset, type SeedOrder } from '@mesh/seed-data';
import { GatewayClient } from './gateway-client.js';

export interface SeedHistoryOptions {
  /** The gateway's /graphql URL. */
  readonly gatewayUrl: string;
  /** Bearer token of an admin: places orders for any customer, fulfils, processes returns, syncs any store. */
  readonly adminToken: string;
  /** Replays only the first `orders` orders of the plan (by placement time); the whole plan when absent. */
  readonly orders?: number;
  /** Orders worked on at once (default 8); till uploads run alongside, a few at a time. */
  readonly concurrency?: number;
  /** How long an order may stay undecided (PENDING or PLACED) before the driver gives up on it (default 60 s). */
  readonly decisionTimeoutMs?: number;
  /** Stops starting new work when aborted (work in flight finishes); a later run resumes without duplicates. */
  readonly signal?: AbortSignal;
  /** Called each time one more plan order reached its final state (or failed). */
  readonly onProgress?: (replayed: number, planned: number) => void;
  readonly log?: (line: string) => void;
}

export interface SeedHistorySummary {
  /** Orders of the plan replayed (web, app, marketplace and clienteling orders plus till sales). */
  readonly planned: number;
  /** Orders the mesh holds per status once the driver finished (all orders, not only the plan's). */
  readonly byStatus: Readonly<Record<string, number>>;
  /** Plan orders the driver could not bring to their final state, with why. */
  readonly failures: readonly { readonly planId: string; readonly error: string }[];
  /** True when the run was aborted before every order was replayed. */
  readonly aborted: boolean;
  readonly ms: number;
}

/** Statuses after which the driver has nothing more to do with an order. */
export const FINAL_ORDER_STATUSES = ['COMPLETED', 'CANCELLED', 'REJECTED', 'PARTIALLY_RETURNED', 'RETURNED'] as const;
const ALL_STATUSES = ['PENDING', 'PLACED', 'CONFIRMED', 'READY_FOR_PICKUP', 'PICKED_UP', 'SHIPPED', ...FINAL_ORDER_STATUSES];
/** A till uploads at most this many transactions per call (the API allows 500). */
const POS_BATCH = 200;
const TILLS_PER_STORE = 2;

const ORDER_FIELDS = 'id status';
const PLACE = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { __typename ... on OrderPlaced { order { ${ORDER_FIELDS} } } ... on OrderRejected { order { ${ORDER_FIELDS} } reason } } }`;
const READ = `query($id: ID!) { order(id: $id) { ${ORDER_FIELDS} } }`;
const SHIP = `mutation($id: ID!, $key: String!) { shipOrder(orderId: $id, idempotencyKey: $key) { ${ORDER_FIELDS} } }`;
const READY = `mutation($id: ID!, $key: String!) { markReadyForPickup(orderId: $id, idempotencyKey: $key) { ${ORDER_FIELDS} } }`;
const PICKUP = `mutation($id: ID!, $key: String!) { confirmPickup(orderId: $id, idempotencyKey: $key) { ${ORDER_FIELDS} } }`;
const CANCEL = `mutation($id: ID!, $key: String!) { cancelOrder(orderId: $id, reason: CUSTOMER_REQUEST, idempotencyKey: $key) { ${ORDER_FIELDS} } }`;
const CREATE_RETURN = `mutation($input: CreateReturnInput!) { createReturn(input: $input) { __typename ... on ReturnCreated { return { id } } ... on ReturnRefused { reason } } }`;
const RECEIVE_RETURN = `mutation($input: ReceiveReturnInput!) { receiveReturn(input: $input) { __typename ... on ReturnReceived { order { ${ORDER_FIELDS} } } ... on ReturnNotReceivable { reason } } }`;
const REFUND = `mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { __typename ... on RefundIssued { order { ${ORDER_FIELDS} } } ... on RefundRefused { reason } } }`;
const SYNC_POS = `mutation($storeId: ID!, $transactions: [PosTransactionInput!]!) { syncPosTransactions(storeId: $storeId, transactions: $transactions) { results { localId outcome rejection reason } } }`;
const COUNT = (status: string) => `${status}: orders(filter: { status: ${status} }, first: 1) { totalCount }`;

interface OrderState {
  readonly id: string;
  readonly status: string;
}

/** The idempotency key of one step of one plan order: the same on every run, so a resumed run repeats, never duplicates. */
export const historyKey = (planId: string, step: string): string => `seed-history:${planId}:${step}`;

/**
 * Replays the data set's order plan through the gateway, so that the seeded history obeys every
 * invariant by construction (stock reserved and sold by inventory, payments captured and refunded
 * by the order domain, every posting made by the ledger's consumers):
 * - web, app, marketplace and clienteling orders: placeOrder, a wait until inventory decided, then
 *   the lifecycle commands of the planned outcome (ship; ready for pickup then pickup; or cancel),
 *   then the planned return (createReturn + receiveReturn at the fulfilment location) or goodwill
 *   refund (refundPayment);
 * - till sales: syncPosTransactions per store and till in batches, with the planned past time.
 * Every command's idempotency key is derived from the plan, so a run that was interrupted and is
 * started again completes the history without duplicating anything. Never throws for one order:
 * failures are listed in the summary.
 */
export async function seedHistory(options: SeedHistoryOptions): Promise<SeedHistorySummary> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const client = new GatewayClient(options.gatewayUrl, options.adminToken);
  const plan = retailDataset().orders.slice(0, options.orders ?? Number.POSITIVE_INFINITY);
  const failures: { planId: string; error: string }[] = [];
  const fail = (planId: string, error: unknown) => failures.push({ planId, error: error instanceof Error ? error.message : String(error) });
  const tillSales = plan.filter((order) => order.channel === 'POS');
  const placed = plan.filter((order) => order.channel !== 'POS');
  log(`history: replaying ${plan.length} orders (${placed.length} placed, ${tillSales.length} till sales) through ${options.gatewayUrl}`);
  let done = 0;
  const progress = () => {
    done += 1;
    options.onProgress?.(done, plan.length);
    if (done % 500 === 0) log(`history: ${done}/${plan.length} orders replayed (${Math.round((Date.now() - started) / 1000)} s)`);
  };
  const concurrency = options.concurrency ?? 8;
  await Promise.all([
    inPool(tillBatches(tillSales), Math.max(1, Math.floor(concurrency / 4)), options.signal, async (batch) => {
      await uploadTillBatch(client, batch).then(
        (outcomes) => {
          for (const [planId, error] of outcomes) if (error) fail(planId, error);
          for (let i = 0; i < batch.sales.length; i += 1) progress();
        },
        (error: unknown) => batch.sales.forEach((sale) => fail(sale.id, error)),
      );
    }),
    inPool(placed, concurrency, options.signal, async (order) => {
      await replayOrder(client, order, options.decisionTimeoutMs ?? 60_000).then(progress, (error: unknown) => fail(order.id, error));
    }),
  ]);
  const counts = await client.request<Record<string, { totalCount: number }>>('countOrders', `{ ${ALL_STATUSES.map(COUNT).join(' ')} }`);
  const byStatus = Object.fromEntries(
    Object.entries(counts)
      .filter(([, { totalCount }]) => totalCount > 0)
      .map(([status, { totalCount }]) => [status, totalCount]),
  );
  const summary = { planned: plan.length, byStatus, failures, aborted: options.signal?.aborted ?? false, ms: Date.now() - started };
  log(
    `history: ${summary.aborted ? 'aborted' : 'done'} in ${(summary.ms / 1000).toFixed(1)} s; orders by status ${JSON.stringify(byStatus)}${failures.length ? `; ${failures.length} failed, first: ${failures[0]!.planId} ${failures[0]!.error}` : ''}`,
  );
  return summary;
}

/** One placed order of the plan, from placement to its planned final state. */
async function replayOrder(client: GatewayClient, plan: SeedOrder, decisionTimeoutMs: number): Promise<void> {
  const answer = await client.request<{ placeOrder: { __typename: string; order: OrderState } }>('placeOrder', PLACE, {
    input: {
      idempotencyKey: historyKey(plan.id, 'place'),
      channel: plan.channel,
      customerId: plan.customerId,
      currency: plan.currency,
      lines: plan.lines.map((line) => ({ sku: line.sku, quantity: line.quantity })),
      fulfillment: { type: plan.fulfillment.type, locationId: plan.fulfillment.locationId },
    },
  });
  let order = answer.placeOrder.order;
  const deadline = Date.now() + decisionTimeoutMs;
  while (order.status === 'PENDING' || order.status === 'PLACED') {
    if (Date.now() > deadline) throw new Error(`order ${order.id} was not decided within ${decisionTimeoutMs} ms`);
    await sleep(200);
    order = (await client.request<{ order: OrderState }>('order', READ, { id: order.id })).order;
  }
  if (order.status === 'REJECTED') throw new Error(`order ${order.id} was rejected, though the opening stock covers the plan`);
  const step = async (name: string, query: string) => {
    const data = await client.request<Record<string, OrderState>>(name, query, { id: order.id, key: historyKey(plan.id, name) });
    order = data[name]!;
  };
  // A resumed run finds the order further along: each command repeats only where it still applies.
  if (plan.status === 'CANCELLED') {
    if (order.status === 'CONFIRMED' || order.status === 'READY_FOR_PICKUP') await step('cancelOrder', CANCEL);
    return;
  }
  if (plan.fulfillment.type === 'PICKUP_IN_STORE') {
    if (order.status === 'CONFIRMED') await step('markReadyForPickup', READY);
    if (order.status === 'READY_FOR_PICKUP') await step('confirmPickup', PICKUP);
  } else if (order.status === 'CONFIRMED') {
    await step('shipOrder', SHIP);
  }
  if (plan.returnPlan) await returnGoods(client, plan, order.id);
  if (plan.goodwillRefundMinor !== undefined) {
    const refund = await client.request<{ refundPayment: { __typename: string; reason?: string } }>('refundPayment', REFUND, {
      input: {
        idempotencyKey: historyKey(plan.id, 'goodwill'),
        orderId: order.id,
        amountMinor: String(plan.goodwillRefundMinor),
        currency: plan.currency,
        reason: 'GOODWILL',
      },
    });
    if (refund.refundPayment.__typename !== 'RefundIssued') throw new Error(`goodwill refund of ${order.id} refused: ${refund.refundPayment.reason}`);
  }
}

/** The planned return: opened, then received at the location that fulfilled the order. */
async function returnGoods(client: GatewayClient, plan: SeedOrder, orderId: string): Promise<void> {
  const returnPlan = plan.returnPlan!;
  const created = await client.request<{ createReturn: { __typename: string; return?: { id: string }; reason?: string } }>('createReturn', CREATE_RETURN, {
    input: { idempotencyKey: historyKey(plan.id, 'return'), orderId, reason: returnPlan.reason, lines: returnPlan.lines },
  });
  if (!created.createReturn.return) throw new Error(`return of ${orderId} refused: ${created.createReturn.reason}`);
  const received = await client.request<{ receiveReturn: { __typename: string; reason?: string } }>('receiveReturn', RECEIVE_RETURN, {
    input: {
      returnId: created.createReturn.return.id,
      idempotencyKey: historyKey(plan.id, 'receive'),
      locationId: plan.fulfillment.locationId,
      lines: returnPlan.lines.map((line) => ({ lineNumber: line.lineNumber, disposition: returnPlan.disposition })),
    },
  });
  if (received.receiveReturn.__typename !== 'ReturnReceived') throw new Error(`return of ${orderId} not received: ${received.receiveReturn.reason}`);
}

interface TillBatch {
  readonly storeId: string;
  readonly deviceId: string;
  readonly sales: readonly { readonly id: string; readonly sequence: number; readonly plan: SeedOrder }[];
}

/** Till sales per store and till (two tills a store, alternating), numbered per till in time order, in upload batches. */
function tillBatches(sales: readonly SeedOrder[]): TillBatch[] {
  const perTill = new Map<string, { storeId: string; deviceId: string; sales: { id: string; sequence: number; plan: SeedOrder }[] }>();
  const storeCounts = new Map<string, number>();
  for (const sale of sales) {
    const storeId = sale.fulfillment.locationId;
    const nth = storeCounts.get(storeId) ?? 0;
    storeCounts.set(storeId, nth + 1);
    const deviceId = `till-${(nth % TILLS_PER_STORE) + 1}`;
    const till = perTill.get(`${storeId}|${deviceId}`) ?? { storeId, deviceId, sales: [] };
    till.sales.push({ id: sale.id, sequence: till.sales.length + 1, plan: sale });
    perTill.set(`${storeId}|${deviceId}`, till);
  }
  return [...perTill.values()].flatMap((till) =>
    Array.from({ length: Math.ceil(till.sales.length / POS_BATCH) }, (_, index) => ({
      ...till,
      sales: till.sales.slice(index * POS_BATCH, (index + 1) * POS_BATCH),
    })),
  );
}

/** Uploads one batch; answers each sale's error, or null when it was recorded (now or before). */
async function uploadTillBatch(client: GatewayClient, batch: TillBatch): Promise<[string, string | null][]> {
  const transactions = batch.sales.map(({ id, sequence, plan }) => ({
    localId: id,
    deviceId: batch.deviceId,
    sequence,
    occurredAt: plan.placedAt.toISOString(),
    customerId: plan.customerId,
    currency: plan.currency,
    lines: plan.lines.map((line) => ({ sku: line.sku, quantity: line.quantity, unitPriceMinor: String(line.unitPriceMinor) })),
    payment: { method: sequence % 3 === 0 ? 'CASH' : 'CARD', amountMinor: String(plan.totals.totalMinor) },
  }));
  const data = await client.request<{
    syncPosTransactions: { results: { localId: string; outcome: string; rejection: string | null; reason: string | null }[] };
  }>('syncPosTransactions', SYNC_POS, { storeId: batch.storeId, transactions });
  return data.syncPosTransactions.results.map((result) => [
    result.localId,
    result.outcome === 'REJECTED' ? `till sale rejected: ${result.rejection} ${result.reason}` : null,
  ]);
}

/** Runs `work` over `items`, at most `concurrency` at once, starting nothing new once `signal` is aborted. */
async function inPool<T>(items: readonly T[], concurrency: number, signal: AbortSignal | undefined, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal?.aborted) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
