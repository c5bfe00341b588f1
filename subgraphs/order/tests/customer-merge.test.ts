import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { retailDataset } from '@mesh/seed-data';
import { connectJetStreamBus, createEnvelope, type EventBus } from '@mesh/events';
import { startNatsServer, type TestNatsServer } from '@mesh/mesh-runner';
import { customerSubgraph } from '@mesh/customer-subgraph';
import { principals, startTestDatabase, startTestSubgraph, untilDatabaseQuiet, type TestSubgraph } from '@mesh/test-kit';
import type { RunningDatabase } from '@mesh/embedded-mongo';
import type { Principal } from '@mesh/server-kit';
import type { CustomerAliasRecord } from '../src/models/customer-alias.model.js';
import type { ProcessedEventRecord } from '@mesh/events';
import { CUSTOMER_MERGES_CONSUMER } from '../src/events/order-consumers.js';
import { quietOrderSubgraph, busiestCustomers, CUSTOMER_ORDERS, customerRef, dbCommands, seededNewestFirst, type PageResult } from './order-harness.js';

let database: RunningDatabase;
let nats: TestNatsServer;
let customers: TestSubgraph;
let orders: TestSubgraph;
let publisher: EventBus;

// Seeded duplicate shoppers that both have orders: cus_01941 (3 orders) is cus_00001 (4 orders).
const SURVIVOR = 'cus_00001';
const MERGED = 'cus_01941';
const bothIds = new Set([SURVIVOR, MERGED]);
const expected = seededNewestFirst((order) => bothIds.has(order.customerId)).map((order) => order.id);

const LIST = `query($filter: OrderFilter, $first: Int) { orders(filter: $filter, first: $first) { edges { node { id } } totalCount } }`;
type ListResult = { orders: { edges: { node: { id: string } }[]; totalCount: number } };
type EntitiesResult = { _entities: { id: string; orders: PageResult }[] };

const aliases = () => orders.connection.model<CustomerAliasRecord>('CustomerAlias');

async function survivorOrders(principal: Principal = principals.associate) {
  return orders.request<EntitiesResult>(CUSTOMER_ORDERS, { r: [customerRef(SURVIVOR)], first: 20 }, principal);
}

/** Polls (bounded: patience for a loaded machine) until the order domain has recorded the merge of `mergedId`. */
async function aliasOf(mergedId: string): Promise<CustomerAliasRecord> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const alias = await aliases().findById(mergedId).lean();
    if (alias) return alias;
    if (Date.now() > deadline) throw new Error(`the order subgraph did not record the merge of ${mergedId} within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Waits (bounded: patience for a loaded machine) until the merges consumer has completed the merge of each id. */
async function untilMergesHandled(mergedIds: readonly string[]): Promise<void> {
  const processed = orders.connection.model<ProcessedEventRecord>('ProcessedEvent');
  const ids = mergedIds.map((mergedId) => `${CUSTOMER_MERGES_CONSUMER}|customer.customers-merged:customer:${mergedId}:merged`);
  const deadline = Date.now() + 30_000;
  while ((await processed.countDocuments({ _id: { $in: ids }, state: 'DONE' })) < ids.length) {
    if (Date.now() > deadline) throw new Error(`the merges consumer did not complete ${mergedIds.join(', ')} within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

before(async () => {
  [database, nats] = await Promise.all([startTestDatabase(), startNatsServer()]);
  [customers, orders] = await Promise.all([
    startTestSubgraph(customerSubgraph, { mongoUri: database.uri, natsUrl: nats.url }),
    startTestSubgraph(quietOrderSubgraph, { mongoUri: database.uri, natsUrl: nats.url }),
  ]);
  publisher = await connectJetStreamBus({ servers: nats.url, name: 'test-publisher' });
});
after(async () => {
  await publisher?.close();
  await Promise.all([customers?.close(), orders?.close()]);
  await Promise.all([database?.stop(), nats?.stop()]);
});

describe('orders follow customer merges', () => {
  test('before the merge the survivor lists only its own orders', async () => {
    const response = await survivorOrders();
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    assert.equal(response.data?._entities[0]?.orders.totalCount, 4);
  });

  test('after a merge through the customer subgraph, the survivor lists both customers’ orders, newest first, with the total', async () => {
    const merge = await customers.request<{ mergeCustomers: { __typename: string } }>(
      'mutation($input: MergeCustomersInput!) { mergeCustomers(input: $input) { __typename } }',
      { input: { survivorId: SURVIVOR, mergedId: MERGED, idempotencyKey: 'merge-cus_01941' } },
      principals.associate,
    );
    assert.equal(merge.data?.mergeCustomers.__typename, 'CustomersMerged', JSON.stringify(merge));
    const alias = await aliasOf(MERGED);
    assert.equal(alias.survivorId, SURVIVOR);

    const page = (await survivorOrders()).data?._entities[0]?.orders;
    assert.equal(page?.totalCount, expected.length);
    assert.deepEqual(
      page?.edges.map((edge) => edge.node.id),
      expected,
    );
    const listed = await orders.request<ListResult>(LIST, { filter: { customerId: SURVIVOR } }, principals.analyst);
    assert.equal(listed.data?.orders.totalCount, expected.length);
    assert.deepEqual(
      listed.data?.orders.edges.map((edge) => edge.node.id),
      expected,
    );
  });

  test('the survivor, signed in as a customer, sees both sets; so does a token issued for the merged-away id', async () => {
    for (const principal of [principals.customer(SURVIVOR), principals.customer(MERGED)]) {
      const listed = await orders.request<ListResult>(LIST, {}, principal);
      assert.equal(listed.errors, undefined, JSON.stringify(listed.errors));
      assert.deepEqual(
        listed.data?.orders.edges.map((edge) => edge.node.id),
        expected,
        principal.customerId,
      );
      assert.equal(listed.data?.orders.totalCount, expected.length);
      const page = await survivorOrders(principal);
      assert.equal(page.errors, undefined, JSON.stringify(page.errors));
      assert.equal(page.data?._entities[0]?.orders.totalCount, expected.length);
    }
    const mergedOrder = retailDataset().orders.find((order) => order.customerId === MERGED)!;
    const one = await orders.request<{ order: { id: string } | null }>(
      'query($id: ID!) { order(id: $id) { id } }',
      { id: mergedOrder.id },
      principals.customer(SURVIVOR),
    );
    assert.equal(one.data?.order?.id, mergedOrder.id);
    const stranger = await orders.request<{ order: unknown }>(
      'query($id: ID!) { order(id: $id) { id } }',
      { id: mergedOrder.id },
      principals.customer('cus_00042'),
    );
    assert.equal(stranger.errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
  });

  test('a redelivered customers-merged event changes nothing', async () => {
    const aliasBefore = await aliases().find().sort({ _id: 1 }).lean();
    const processed = orders.connection.model<ProcessedEventRecord>('ProcessedEvent');
    const processedBefore = await processed.find().sort({ _id: 1 }).lean();
    // The same fact again under a new envelope id (a publisher that retried), pointing somewhere else to show it is skipped.
    const duplicate = createEnvelope(
      'customer.customers-merged',
      { survivorId: 'cus_00002', mergedId: MERGED, movedIdentityKinds: [] },
      { correlationId: 'redelivery-test', idempotencyKey: `customer:${MERGED}:merged` },
    );
    // A later, different merge: once it is recorded, the consumer has handled the duplicate before it.
    const sentinel = createEnvelope(
      'customer.customers-merged',
      { survivorId: 'cus_00030', mergedId: 'cus_01942', movedIdentityKinds: [] },
      { correlationId: 'redelivery-test', idempotencyKey: 'customer:cus_01942:merged' },
    );
    await publisher.publish(duplicate);
    await publisher.publish(sentinel);
    await aliasOf('cus_01942');
    assert.deepEqual(
      (await aliases().find().sort({ _id: 1 }).lean()).filter((alias) => alias._id !== 'cus_01942'),
      aliasBefore,
    );
    const processedAfter = await processed
      .find({ _id: { $ne: 'order-customer-merges|customer.customers-merged:customer:cus_01942:merged' } })
      .sort({ _id: 1 })
      .lean();
    assert.deepEqual(processedAfter, processedBefore);
    const page = (await survivorOrders()).data?._entities[0]?.orders;
    assert.deepEqual(
      page?.edges.map((edge) => edge.node.id),
      expected,
    );
  });

  test('a chain of merges (A into B, B into C) leaves every id one hop from C, whichever event arrives first', async () => {
    const merged = (mergedId: string, survivorId: string) =>
      createEnvelope(
        'customer.customers-merged',
        { survivorId, mergedId, movedIdentityKinds: [] },
        { correlationId: 'chain-test', idempotencyKey: `customer:${mergedId}:merged` },
      );
    // Later merge first: cus_00088 into cus_00117, then cus_01944 into cus_00088.
    await publisher.publish(merged('cus_00088', 'cus_00117'));
    await publisher.publish(merged('cus_01944', 'cus_00088'));
    // In order: cus_01945 into cus_00146, then cus_00146 into cus_00175.
    await publisher.publish(merged('cus_01945', 'cus_00146'));
    await publisher.publish(merged('cus_00146', 'cus_00175'));
    // An alias exists as soon as the first merge naming it is handled; its survivor is final only
    // once every merge of the chain is: wait for those, not for the first alias to appear.
    await untilMergesHandled(['cus_00088', 'cus_01944', 'cus_01945', 'cus_00146']);
    assert.equal((await aliasOf('cus_01944')).survivorId, 'cus_00117');
    assert.equal((await aliasOf('cus_00146')).survivorId, 'cus_00175');
    assert.equal((await aliasOf('cus_00088')).survivorId, 'cus_00117');
    assert.equal((await aliasOf('cus_01945')).survivorId, 'cus_00175');
    const chain = new Set(['cus_00117', 'cus_00088', 'cus_01944']);
    const page = await orders.request<EntitiesResult>(CUSTOMER_ORDERS, { r: [customerRef('cus_00117')], first: 20 }, principals.associate);
    assert.equal(page.data?._entities[0]?.orders.totalCount, seededNewestFirst((order) => chain.has(order.customerId)).length);
  });

  test('Customer.orders for 10 and for 50 customers, merged survivors among them, costs the same three database commands', async () => {
    // The merges consumer writes its alias first and marks the event done after: the tests above
    // waited for the aliases only. Count once every merge it claimed is done and the relay's
    // start-up pass is over, so that the counts hold the requests' own commands only.
    const processed = orders.connection.model<ProcessedEventRecord>('ProcessedEvent');
    const deadline = Date.now() + 30_000;
    while ((await processed.countDocuments({ consumer: CUSTOMER_MERGES_CONSUMER, state: { $ne: 'DONE' } })) > 0) {
      if (Date.now() > deadline) throw new Error('the merges consumer did not finish its events within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await untilDatabaseQuiet(orders.url);
    const aliased = new Set([SURVIVOR, 'cus_00030', ...(await aliases().find().lean()).map((alias) => alias._id)]);
    const ids = [SURVIVOR, 'cus_00030', ...busiestCustomers().filter((id) => !aliased.has(id))];
    const costs: number[] = [];
    for (const size of [10, 50]) {
      const before = await dbCommands(orders);
      const response = await orders.request<EntitiesResult>(CUSTOMER_ORDERS, { r: ids.slice(0, size).map(customerRef), first: 3 }, principals.analyst);
      costs.push((await dbCommands(orders)) - before);
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      assert.equal(response.data?._entities[0]?.orders.totalCount, expected.length);
      assert.deepEqual(
        response.data?._entities[0]?.orders.edges.map((edge) => edge.node.id),
        expected.slice(0, 3),
      );
    }
    assert.deepEqual(costs, [3, 3]);
  });

  test('a page of the survivor’s orders continues across both customers’ orders without gaps or repeats', async () => {
    const first = (await orders.request<EntitiesResult>(CUSTOMER_ORDERS, { r: [customerRef(SURVIVOR)], first: 4 }, principals.associate)).data?._entities[0]
      ?.orders;
    const rest = (
      await orders.request<EntitiesResult>(CUSTOMER_ORDERS, { r: [customerRef(SURVIVOR)], first: 4, after: first?.pageInfo.endCursor }, principals.associate)
    ).data?._entities[0]?.orders;
    assert.equal(first?.pageInfo.hasNextPage, true);
    assert.deepEqual(
      [...(first?.edges ?? []), ...(rest?.edges ?? [])].map((edge) => edge.node.id),
      expected,
    );
  });
});
