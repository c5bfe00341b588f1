import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createEnvelope,
  createMemoryBus,
  DOMAINS,
  domainOf,
  EVENT_TOPICS,
  InvalidEnvelopeError,
  parseEnvelope,
  TOPICS,
  type AnyEnvelope,
  type EventBus,
} from '../src/index.js';

const money = (minorUnits: number) => ({ minorUnits, currency: 'EUR' as const });
const captured = () =>
  createEnvelope(
    'order.payment-captured',
    { orderId: 'ord_1', channel: 'WEB', locationId: 'loc_wh_1', paymentId: 'pay_1', amount: money(4999), capturedTotal: money(4999) },
    { correlationId: 'req_1', idempotencyKey: 'payment:pay_1:captured:1' },
  );

describe('envelopes', () => {
  test('an envelope takes its version from the topic map and its source from the topic', () => {
    const envelope = captured();
    assert.match(envelope.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(envelope.version, EVENT_TOPICS['order.payment-captured'].version);
    assert.equal(envelope.source, 'order');
    assert.equal(new Date(envelope.occurredAt).toISOString(), envelope.occurredAt);
    assert.equal(envelope.causationId, undefined);
    assert.ok(Object.isFrozen(envelope));
  });

  test('an envelope caused by another inherits its correlation id and names it as the cause', () => {
    const cause = captured();
    const posted = createEnvelope(
      'inventory.reservation-released',
      { reservationId: 'res_1', orderId: 'ord_1', locationId: 'loc_wh_1', lines: [{ sku: 'SKU-1', quantity: 1 }], reason: 'ORDER_CANCELLED' },
      { causedBy: cause, idempotencyKey: `released:${cause.id}`, occurredAt: new Date('2026-03-01T10:00:00Z') },
    );
    assert.equal(posted.correlationId, cause.correlationId);
    assert.equal(posted.causationId, cause.id);
    assert.equal(posted.source, 'inventory');
    assert.equal(posted.occurredAt, '2026-03-01T10:00:00.000Z');
  });

  test('an envelope without an idempotency key, a correlation id or a valid time is refused', () => {
    const data = { orderId: 'ord_1', reservationId: 'res_1' };
    assert.throws(() => createEnvelope('order.order-confirmed', data, { correlationId: 'req', idempotencyKey: '' }), RangeError);
    assert.throws(() => createEnvelope('order.order-confirmed', data, { correlationId: '', idempotencyKey: 'k' }), RangeError);
    assert.throws(() => createEnvelope('order.order-confirmed', data, { correlationId: 'req', idempotencyKey: 'k', occurredAt: 'yesterday' }), RangeError);
  });

  test('parsing accepts what went through JSON and refuses what is not an envelope of a known topic', () => {
    const envelope = captured();
    assert.deepEqual(parseEnvelope(JSON.parse(JSON.stringify(envelope))), envelope);
    assert.throws(() => parseEnvelope({ ...envelope, type: 'order.order-shipped' }), InvalidEnvelopeError);
    assert.throws(() => parseEnvelope({ ...envelope, id: '' }), InvalidEnvelopeError);
    assert.throws(() => parseEnvelope({ ...envelope, version: '1' }), InvalidEnvelopeError);
    assert.throws(() => parseEnvelope('{}'), InvalidEnvelopeError);
  });
});

describe('the topic map', () => {
  test('holds every topic of the retail workflows, each named <domain>.<past-tense-fact>', () => {
    assert.deepEqual([...TOPICS].sort(), [
      'customer.customers-merged',
      'inventory.availability-changed',
      'inventory.reservation-committed',
      'inventory.reservation-released',
      'inventory.stock-movement-recorded',
      'inventory.stock-reservation-rejected',
      'inventory.stock-reserved',
      'ledger.business-day-closed',
      'order.order-cancelled',
      'order.order-confirmed',
      'order.order-placed',
      'order.order-rejected',
      'order.order-status-changed',
      'order.payment-authorized',
      'order.payment-captured',
      'order.payment-refunded',
      'order.return-completed',
      'order.return-received',
      'order.return-requested',
      'order.shipment-delivered',
      'product.price-changed',
    ]);
    for (const topic of TOPICS) {
      assert.match(topic, /^[a-z]+\.[a-z]+(-[a-z]+)*$/);
      assert.ok((DOMAINS as readonly string[]).includes(domainOf(topic)), topic);
      assert.ok(Number.isSafeInteger(EVENT_TOPICS[topic].version) && EVENT_TOPICS[topic].version >= 1, topic);
    }
  });

  test('the compiler refuses an unknown topic, a payload of another topic and an untyped publish', () => {
    // These lines are checked by `npm run check:types`: each @ts-expect-error must be an error.
    const bus: EventBus = createMemoryBus();
    const typo = () => {
      // @ts-expect-error a topic that is not in the map
      createEnvelope('order.order-shipped', {}, { correlationId: 'c', idempotencyKey: 'k' });
      // @ts-expect-error the payload of order.order-confirmed lacks reservationId
      createEnvelope('order.order-confirmed', { orderId: 'ord_1' }, { correlationId: 'c', idempotencyKey: 'k' });
      // @ts-expect-error money is minor units and a currency, not a float
      createEnvelope('product.price-changed', { sku: 'S', channel: null, previous: null, current: 19.99 }, { correlationId: 'c', idempotencyKey: 'k' });
      // @ts-expect-error publish takes an envelope, never a (topic, payload) pair
      void bus.publish('order.order-confirmed', { orderId: 'ord_1' });
      void bus.subscribe('order.order-confirmed', 'typed', (envelope: AnyEnvelope<'order.order-confirmed'>) => {
        // @ts-expect-error a handler sees only its topics' payloads
        void envelope.data.sku;
      });
    };
    assert.equal(typeof typo, 'function');
  });
});
