import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { principals } from '@mesh/test-kit';
import { INT64_AS_BIGINT } from '../src/models/int64.js';
import type { JournalEntryRecord } from '../src/models/journal-entry.model.js';
import { LEDGER_CONSUMERS, postJournalEntry } from '../src/module.js';
import { captureEntry } from '../src/consumers/event-entries.js';
import { drainOrders, envelopeOf, lineSummary, publishTwice, startLedgerEventRig, totals, usd, waitFor, type LedgerEventRig } from './ledger-event-helpers.js';
import { firstCode } from './ledger-test-helpers.js';

let rig: LedgerEventRig;
before(async () => {
  rig = await startLedgerEventRig();
});
after(async () => {
  await rig?.close();
});

const entriesOf = (filter: object) => rig.models.entries.find(filter).sort({ postedAt: 1, _id: 1 }).setOptions(INT64_AS_BIGINT).lean<JournalEntryRecord[]>();
const attribution = (orderId: string) => ({ orderId, channel: 'WEB', locationId: 'loc_nyc01' }) as const;
const capture = (orderId: string, subtotal: number, tax: number, customerId = 'cus_00001') =>
  envelopeOf(
    'order.payment-captured',
    {
      ...attribution(orderId),
      paymentId: `pay_${orderId}`,
      customerId,
      amount: usd(subtotal + tax),
      subtotal: usd(subtotal),
      tax: usd(tax),
      capturedTotal: usd(subtotal + tax),
    },
    `${orderId}:captured`,
  );

const DEAD_LETTERS =
  'query($c: String) { deadLetters(consumer: $c) { id consumer topic eventId idempotencyKey correlationId errorName errorMessage deliveries failedAt } }';
interface DeadLetterJson {
  id: string;
  consumer: string;
  topic: string;
  eventId: string;
  correlationId: string;
  errorMessage: string;
  deliveries: number;
}
const deadLetters = async (): Promise<DeadLetterJson[]> =>
  (await rig.subgraph.request<{ deadLetters: DeadLetterJson[] }>(DEAD_LETTERS, {}, principals.analyst)).data!.deadLetters;

describe('the ledger consuming commerce events', () => {
  test('capture, fulfilment, refund and return each post one balanced entry with exact amounts, even when every event is published twice', async () => {
    const orderId = 'ord_flow_1';
    const events = [
      capture(orderId, 10_000, 800),
      envelopeOf(
        'order.order-status-changed',
        {
          orderId,
          from: 'CONFIRMED',
          to: 'SHIPPED',
          fulfillment: {
            type: 'SHIP',
            channel: 'WEB',
            locationId: 'loc_nyc01',
            customerId: 'cus_00001',
            currency: 'USD',
            lines: [
              { sku: 'SKU-A', quantity: 2, unitCostMinor: 2_000 },
              { sku: 'SKU-B', quantity: 1, unitCostMinor: 1_500 },
            ],
          },
        },
        `${orderId}:shipped`,
      ),
      envelopeOf(
        'order.payment-refunded',
        {
          ...attribution(orderId),
          paymentId: `pay_${orderId}`,
          refundId: 'ref_flow_1',
          returnId: 'ret_flow_1',
          customerId: 'cus_00001',
          amount: usd(5_400),
          tax: usd(400),
          refundedTotal: usd(5_400),
        },
        'ref_flow_1:refunded',
      ),
      envelopeOf(
        'order.return-received',
        {
          ...attribution(orderId),
          returnId: 'ret_flow_1',
          receivedAtLocationId: 'loc_sfo01',
          lines: [
            { sku: 'SKU-A', quantity: 1, disposition: 'SELLABLE', refund: usd(5_400), unitCostMinor: 2_000 },
            { sku: 'SKU-B', quantity: 1, disposition: 'DAMAGED', refund: usd(0), unitCostMinor: 1_500 },
          ],
        },
        'ret_flow_1:received',
      ),
      // Completion after shipping carries no goods: nothing more to post.
      envelopeOf('order.order-status-changed', { orderId, from: 'SHIPPED', to: 'COMPLETED' }, `${orderId}:completed`),
    ];
    for (const envelope of events) await publishTwice(rig.publisher, envelope);
    await drainOrders(rig);

    const kinds = ['ORDER_CAPTURED', 'ORDER_FULFILLED', 'REFUND', 'RETURN_RECEIVED'];
    const entries = (await entriesOf({ orderId })).sort((a, b) => kinds.indexOf(a.source.type) - kinds.indexOf(b.source.type));
    assert.deepEqual(
      entries.map((entry) => entry.source.type),
      kinds,
    );
    const [captured, cogs, refund, returned] = entries as [JournalEntryRecord, JournalEntryRecord, JournalEntryRecord, JournalEntryRecord];
    assert.deepEqual(lineSummary(captured), ['1100:D:10800', '4000:C:10000', '2100:C:800']);
    assert.deepEqual(lineSummary(cogs), ['5000:D:5500', '1300:C:5500']);
    assert.deepEqual(lineSummary(refund), ['4100:D:5000', '2100:D:400', '1100:C:5400']);
    assert.deepEqual(lineSummary(returned), ['1300:D:2000', '5100:D:1500', '5000:C:3500']);
    for (const entry of entries) {
      const { debit, credit } = totals(entry);
      assert.equal(debit, credit, `${entry.source.type} is balanced`);
    }
    assert.deepEqual(
      {
        orderId: captured.orderId,
        customerId: captured.customerId,
        channel: captured.channel,
        locationId: captured.locationId,
        currency: captured.currency,
        correlationId: captured.correlationId,
        postedAt: captured.postedAt.toISOString(),
      },
      {
        orderId,
        customerId: 'cus_00001',
        channel: 'WEB',
        locationId: 'loc_nyc01',
        currency: 'USD',
        correlationId: events[0]!.correlationId,
        postedAt: events[0]!.occurredAt,
      },
    );
    assert.equal(returned.locationId, 'loc_sfo01', 'the return is booked where the goods came back');
    assert.deepEqual(await deadLetters(), []);
  });

  test('a handler that crashed after posting but before completing its claim posts nothing more when the event comes again', async () => {
    const envelope = capture('ord_crash_1', 2_000, 100);
    await postJournalEntry(rig.models, captureEntry(envelope)!); // what the crashed delivery had written
    await rig.publisher.publish(envelope);
    await drainOrders(rig);
    assert.equal((await entriesOf({ orderId: 'ord_crash_1' })).length, 1);
  });

  test('restarting the ledger process mid-stream still posts every capture exactly once', async () => {
    const orders = Array.from({ length: 40 }, (_, index) => `ord_restart_${index}`);
    const published = orders.map((orderId, index) => capture(orderId, 1_000 + index, 80));
    const publishing = (async () => {
      for (const envelope of published) await publishTwice(rig.publisher, envelope);
    })();
    await waitFor(async () => (await rig.models.entries.countDocuments({ orderId: { $in: orders } })) >= 5, 'the first postings');
    await rig.restart();
    await publishing;
    for (const envelope of published.slice(0, 10)) await rig.publisher.publish(envelopeOf(envelope.type, envelope.data, envelope.idempotencyKey));
    await drainOrders(rig);
    const entries = await entriesOf({ orderId: { $in: orders } });
    assert.equal(entries.length, orders.length);
    assert.equal(new Set(entries.map((entry) => entry.orderId)).size, orders.length);
    const clearing = entries.reduce((sum, entry) => sum + totals({ lines: entry.lines.filter((line) => line.accountCode === '1100') }).debit, 0n);
    assert.equal(clearing, BigInt(orders.reduce((sum, _id, index) => sum + 1_080 + index, 0)));
  });

  test('a poison event is dead-lettered after its bounded retries, posts nothing, and after the fix a replay posts it once', async () => {
    const account = await rig.models.accounts.findById('5100').lean();
    await rig.models.accounts.deleteOne({ _id: '5100' }); // the chart lacks the shrinkage account: damaged returns cannot post
    const poison = envelopeOf(
      'order.return-received',
      {
        ...attribution('ord_poison_1'),
        returnId: 'ret_poison_1',
        receivedAtLocationId: 'loc_nyc01',
        lines: [
          { sku: 'SKU-A', quantity: 1, disposition: 'SELLABLE', refund: usd(900), unitCostMinor: 300 },
          { sku: 'SKU-B', quantity: 2, disposition: 'DAMAGED', refund: usd(0), unitCostMinor: 200 },
        ],
      },
      'ret_poison_1:received',
    );
    await rig.publisher.publish(poison);
    await waitFor(async () => (await deadLetters()).some((letter) => letter.eventId === poison.id), 'the dead letter');
    const [letter] = (await deadLetters()).filter((candidate) => candidate.eventId === poison.id);
    assert.deepEqual(
      { consumer: letter!.consumer, topic: letter!.topic, deliveries: letter!.deliveries, correlationId: letter!.correlationId },
      { consumer: LEDGER_CONSUMERS.orders, topic: 'order.return-received', deliveries: 3, correlationId: poison.correlationId },
    );
    assert.match(letter!.errorMessage, /unknown account code 5100/);
    assert.equal(await rig.models.entries.countDocuments({ orderId: 'ord_poison_1' }), 0, 'nothing of the event was posted');

    const replay = 'mutation($id: ID!) { replayDeadLetter(id: $id) { id eventId } }';
    assert.equal(firstCode(await rig.subgraph.request(replay, { id: letter!.id }, principals.analyst)), 'FORBIDDEN');
    assert.equal(firstCode(await rig.subgraph.request(replay, { id: letter!.id })), 'UNAUTHENTICATED');
    await rig.models.accounts.create(account!);
    const replayed = await rig.subgraph.request<{ replayDeadLetter: { eventId: string } }>(replay, { id: letter!.id }, principals.admin);
    assert.equal(replayed.data?.replayDeadLetter.eventId, poison.id);
    await drainOrders(rig);
    const entries = await entriesOf({ orderId: 'ord_poison_1' });
    assert.deepEqual(entries.map(lineSummary), [['1300:D:300', '5100:D:400', '5000:C:700']]);
    assert.equal(firstCode(await rig.subgraph.request(replay, { id: letter!.id }, principals.admin)), 'NOT_FOUND');
    assert.deepEqual(
      (await deadLetters()).filter((candidate) => candidate.eventId === poison.id),
      [],
    );
  });

  test('a capture whose parts do not add up is dead-lettered, never half-posted', async () => {
    const bad = envelopeOf(
      'order.payment-captured',
      {
        ...attribution('ord_unbalanced'),
        paymentId: 'pay_x',
        customerId: 'cus_00001',
        amount: usd(1_000),
        subtotal: usd(900),
        tax: usd(50),
        capturedTotal: usd(1_000),
      },
      'ord_unbalanced:captured',
    );
    await rig.publisher.publish(bad);
    await waitFor(async () => (await deadLetters()).some((letter) => letter.eventId === bad.id), 'the dead letter');
    const letter = (await deadLetters()).find((candidate) => candidate.eventId === bad.id)!;
    assert.match(letter.errorMessage, /subtotal \(900\) \+ tax \(50\) differs from amount \(1000\)/);
    assert.equal(await rig.models.entries.countDocuments({ orderId: 'ord_unbalanced' }), 0);
  });

  test('a capture of nothing (a till sale of free goods) posts nothing and is not a dead letter', async () => {
    const free = capture('ord_free_goods', 0, 0);
    await rig.publisher.publish(free);
    await drainOrders(rig);
    assert.equal(await rig.models.entries.countDocuments({ orderId: 'ord_free_goods' }), 0);
    assert.deepEqual(
      (await deadLetters()).filter((letter) => letter.eventId === free.id),
      [],
    );
    const claim = await rig.models.processedEvents.findById(`${LEDGER_CONSUMERS.orders}|order.payment-captured:${free.idempotencyKey}`).lean();
    assert.equal(claim?.state, 'DONE', 'handled, not skipped');
  });

  test('after a merge the survivor’s lifetime value includes the merged customer’s captures and refunds', async () => {
    for (const envelope of [capture('ord_ltv_a', 10_000, 0, 'cus_ltv_a'), capture('ord_ltv_b', 4_000, 0, 'cus_ltv_b')]) await rig.publisher.publish(envelope);
    await rig.publisher.publish(
      envelopeOf(
        'order.payment-refunded',
        {
          ...attribution('ord_ltv_b'),
          paymentId: 'pay_b',
          refundId: 'ref_ltv_b',
          customerId: 'cus_ltv_b',
          amount: usd(1_000),
          tax: usd(0),
          refundedTotal: usd(1_000),
        },
        'ref_ltv_b',
      ),
    );
    await drainOrders(rig);
    const query = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { lifetimeValue { minorUnits currency } } } }';
    const value = async (id: string) =>
      (
        await rig.subgraph.request<{ _entities: { lifetimeValue: { minorUnits: string }[] }[] }>(
          query,
          { r: [{ __typename: 'Customer', id }] },
          principals.analyst,
        )
      ).data!._entities[0]!.lifetimeValue.map((money) => money.minorUnits);
    assert.deepEqual(await value('cus_ltv_a'), ['10000']);
    const merge = envelopeOf(
      'customer.customers-merged',
      { survivorId: 'cus_ltv_a', mergedId: 'cus_ltv_b', movedIdentityKinds: ['LOYALTY_CARD'] },
      'merge:cus_ltv_b',
    );
    await publishTwice(rig.publisher, merge);
    await waitFor(async () => (await rig.models.customerAliases.exists({ _id: 'cus_ltv_b' })) !== null, 'the alias');
    assert.deepEqual(await value('cus_ltv_a'), ['13000']);
    // A later merge of the survivor carries both along.
    await rig.publisher.publish(
      envelopeOf('customer.customers-merged', { survivorId: 'cus_ltv_c', mergedId: 'cus_ltv_a', movedIdentityKinds: [] }, 'merge:cus_ltv_a'),
    );
    await waitFor(async () => (await rig.models.customerAliases.exists({ _id: 'cus_ltv_a' })) !== null, 'the second alias');
    assert.deepEqual(await value('cus_ltv_c'), ['13000']);
  });
});
