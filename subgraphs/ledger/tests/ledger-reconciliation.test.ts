import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AnyEnvelope, CurrencyCode, EventBus } from '@mesh/events';
import { principals } from '@mesh/test-kit';
import { SeededRandom } from '@mesh/seed-data';
import { INT64_AS_BIGINT } from '../src/models/int64.js';
import type { JournalEntryRecord } from '../src/models/journal-entry.model.js';
import { drainOrders, envelopeOf, startLedgerEventRig, totals, usd, waitFor, type LedgerEventRig } from './ledger-event-helpers.js';
import { firstCode, type MoneyJson } from './ledger-test-helpers.js';

let rig: LedgerEventRig;
before(async () => {
  rig = await startLedgerEventRig();
});
after(async () => {
  await rig?.close();
});

const RECONCILIATION = `query($date: String!, $currency: CurrencyCode) { reconciliation(date: $date, currency: $currency) {
  date reconciled
  groups { channel location { id } currency orderCount capturedExpected { minorUnits } capturedPosted { minorUnits } refundedExpected { minorUnits } refundedPosted { minorUnits } mismatchCount }
  mismatches { orderId kind mismatch channel location { id } expected { minorUnits } actual { minorUnits } }
} }`;
interface ReconciliationJson {
  reconciled: boolean;
  groups: {
    channel: string;
    location: { id: string };
    currency: string;
    orderCount: number;
    capturedExpected: MoneyJson;
    capturedPosted: MoneyJson;
    refundedExpected: MoneyJson;
    refundedPosted: MoneyJson;
    mismatchCount: number;
  }[];
  mismatches: { orderId: string; kind: string; mismatch: string; expected: MoneyJson; actual: MoneyJson }[];
}
const reconcile = async (date: string, currency?: CurrencyCode) => {
  const response = await rig.subgraph.request<{ reconciliation: ReconciliationJson }>(RECONCILIATION, { date, currency }, principals.analyst);
  assert.equal(response.errors, undefined);
  return response.data!.reconciliation;
};

describe('reconciliation', () => {
  test('a day with a deliberately missing posting lists exactly that mismatch, per channel and store', async () => {
    const at = (time: string) => ({ occurredAt: `2030-01-15T${time}Z` });
    const web = { channel: 'WEB', locationId: 'loc_nyc01' } as const;
    const pos = { channel: 'POS', locationId: 'loc_sfo01' } as const;
    const captured = (orderId: string, where: typeof web | typeof pos, subtotal: number, tax: number, amount = subtotal + tax, time = '10:00:00') =>
      envelopeOf(
        'order.payment-captured',
        {
          orderId,
          ...where,
          paymentId: `pay_${orderId}`,
          customerId: 'cus_1',
          amount: usd(amount),
          subtotal: usd(subtotal),
          tax: usd(tax),
          capturedTotal: usd(amount),
        },
        `${orderId}:captured`,
        at(time),
      );
    const missing = captured('ord_rec_3', web, 900, 50, 1_000); // its parts do not add up: it is dead-lettered, never posted
    const events: AnyEnvelope[] = [
      captured('ord_rec_1', web, 1_000, 80),
      captured('ord_rec_2', pos, 500, 40, undefined, '23:59:59'),
      envelopeOf(
        'order.payment-refunded',
        {
          orderId: 'ord_rec_2',
          ...pos,
          paymentId: 'pay_ord_rec_2',
          refundId: 'ref_rec_2',
          customerId: 'cus_1',
          amount: usd(200),
          tax: usd(10),
          refundedTotal: usd(200),
        },
        'ref_rec_2',
        at('12:00:00'),
      ),
      missing,
      envelopeOf(
        'order.payment-captured',
        { orderId: 'ord_rec_4', ...web, paymentId: 'p4', customerId: 'cus_1', amount: usd(70), subtotal: usd(70), tax: usd(0), capturedTotal: usd(70) },
        'ord_rec_4:captured',
        { occurredAt: '2030-01-16T00:00:00Z' },
      ),
    ];
    for (const envelope of events) await rig.publisher.publish(envelope as never);
    await waitFor(async () => (await rig.publisher.listDeadLetters()).some((letter) => letter.envelope.id === missing.id), 'the dead-lettered capture');
    await drainOrders(rig);

    const report = await reconcile('2030-01-15');
    assert.equal(report.reconciled, false);
    assert.deepEqual(report.mismatches, [
      {
        orderId: 'ord_rec_3',
        kind: 'CAPTURE',
        mismatch: 'MISSING_POSTING',
        channel: 'WEB',
        location: { id: 'loc_nyc01' },
        expected: { minorUnits: '1000' },
        actual: { minorUnits: '0' },
      },
    ]);
    assert.deepEqual(
      report.groups.map((group) => [
        group.channel,
        group.location.id,
        group.currency,
        group.orderCount,
        group.capturedExpected.minorUnits,
        group.capturedPosted.minorUnits,
        group.refundedExpected.minorUnits,
        group.refundedPosted.minorUnits,
        group.mismatchCount,
      ]),
      [
        ['POS', 'loc_sfo01', 'USD', 1, '540', '540', '200', '200', 0],
        ['WEB', 'loc_nyc01', 'USD', 2, '2080', '1080', '0', '0', 1],
      ],
    );
    assert.equal((await reconcile('2030-01-16')).reconciled, true);
    assert.deepEqual((await reconcile('2030-01-15', 'EUR')).groups, []);
    assert.equal(firstCode(await rig.subgraph.request(RECONCILIATION, { date: '2030-02-30' }, principals.analyst)), 'BAD_USER_INPUT');
    assert.equal(firstCode(await rig.subgraph.request(RECONCILIATION, { date: '2030-01-15' }, principals.customer('cus_1'))), 'FORBIDDEN');
  });

  test('after a seeded random mix of several hundred events every entry balances, the trial balance is zero and the day reconciles', async () => {
    const seed = Number(process.env['LEDGER_MIX_SEED'] ?? 20_240_611);
    const random = new SeededRandom(seed);
    const int = (min: number, max: number) => random.int(min, max);
    const events: AnyEnvelope[] = [];
    const expected = { entries: 0, clearing: { USD: 0n, EUR: 0n } as Record<CurrencyCode, bigint> };
    for (let index = 0; events.length < 320; index++) {
      const orderId = `ord_mix_${seed}_${index}`;
      const currency: CurrencyCode = random.next() < 0.5 ? 'USD' : 'EUR';
      const money = (minorUnits: number) => ({ minorUnits, currency });
      const where = { orderId, channel: (['WEB', 'APP', 'POS'] as const)[int(0, 2)]!, locationId: `loc_${int(1, 3)}` };
      const occurredAt = `2030-02-01T${String(int(0, 23)).padStart(2, '0')}:${String(int(10, 59))}:00Z`;
      const subtotal = int(100, 50_000);
      const tax = int(0, Math.floor(subtotal / 5));
      events.push(
        envelopeOf(
          'order.payment-captured',
          {
            ...where,
            paymentId: `pay_${orderId}`,
            customerId: `cus_${int(1, 20)}`,
            amount: money(subtotal + tax),
            subtotal: money(subtotal),
            tax: money(tax),
            capturedTotal: money(subtotal + tax),
          },
          `${orderId}:captured`,
          { occurredAt },
        ),
      );
      expected.entries += 1;
      expected.clearing[currency] += BigInt(subtotal + tax);
      const lines = Array.from({ length: int(1, 3) }, (_, line) => ({ sku: `SKU-${line}`, quantity: int(1, 4), unitCostMinor: int(0, 3_000) }));
      if (random.next() < 0.8) {
        events.push(
          envelopeOf(
            'order.order-status-changed',
            {
              orderId,
              from: 'CONFIRMED',
              to: random.next() < 0.5 ? 'SHIPPED' : 'PICKED_UP',
              fulfillment: { type: 'SHIP', channel: where.channel, locationId: where.locationId, customerId: 'cus_1', currency, lines },
            },
            `${orderId}:fulfilled`,
            { occurredAt },
          ),
        );
        if (lines.some((line) => line.unitCostMinor > 0)) expected.entries += 1;
      }
      if (random.next() < 0.4) {
        const amount = int(1, subtotal + tax);
        const refundTax = Math.floor((amount * tax) / (subtotal + tax));
        events.push(
          envelopeOf(
            'order.payment-refunded',
            {
              ...where,
              paymentId: `pay_${orderId}`,
              refundId: `ref_${orderId}`,
              customerId: 'cus_1',
              amount: money(amount),
              tax: money(refundTax),
              refundedTotal: money(amount),
            },
            `ref_${orderId}`,
            { occurredAt },
          ),
        );
        expected.entries += 1;
        expected.clearing[currency] -= BigInt(amount);
        const returned = lines.map((line) => ({
          sku: line.sku,
          quantity: 1,
          disposition: random.next() < 0.7 ? ('SELLABLE' as const) : ('DAMAGED' as const),
          refund: money(0),
          unitCostMinor: line.unitCostMinor,
        }));
        events.push(
          envelopeOf(
            'order.return-received',
            { ...where, returnId: `ret_${orderId}`, receivedAtLocationId: where.locationId, lines: returned },
            `ret_${orderId}`,
            { occurredAt },
          ),
        );
        if (returned.some((line) => line.unitCostMinor > 0)) expected.entries += 1;
      }
    }
    // Shuffled, with about a quarter of the facts published again as new envelopes.
    const shuffled = events.flatMap((envelope): AnyEnvelope[] =>
      random.next() < 0.25
        ? [
            envelope,
            envelopeOf(envelope.type, envelope.data as never, envelope.idempotencyKey, {
              occurredAt: envelope.occurredAt,
              correlationId: envelope.correlationId,
            }) as AnyEnvelope,
          ]
        : [envelope],
    );
    for (let index = shuffled.length - 1; index > 0; index--) {
      const other = int(0, index);
      [shuffled[index], shuffled[other]] = [shuffled[other]!, shuffled[index]!];
    }
    const clearingBefore = async (currency: CurrencyCode) => {
      const stored = await rig.models.balances.findById(`1100|${currency}`).setOptions(INT64_AS_BIGINT).lean();
      return BigInt(stored?.debitMinor ?? 0n) - BigInt(stored?.creditMinor ?? 0n);
    };
    const baseline = { USD: await clearingBefore('USD'), EUR: await clearingBefore('EUR') };
    await publishAll(rig.publisher, shuffled);
    await drainOrders(rig);

    const message = `(LEDGER_MIX_SEED=${seed} reproduces this run)`;
    const entries = await rig.models.entries
      .find({ orderId: { $regex: `^ord_mix_${seed}_` } })
      .setOptions(INT64_AS_BIGINT)
      .lean<JournalEntryRecord[]>();
    assert.equal(entries.length, expected.entries, `one entry per posting fact ${message}`);
    for (const entry of entries) assert.equal(totals(entry).debit, totals(entry).credit, `${entry._id} balances ${message}`);
    for (const currency of ['USD', 'EUR'] as const) {
      const response = await rig.subgraph.request<{
        trialBalance: { balanced: boolean; lines: { account: { code: string; balance: MoneyJson }; balance: MoneyJson }[] };
      }>(
        'query($c: CurrencyCode!) { trialBalance(currency: $c, asOf: "2030-12-31T00:00:00Z") { balanced lines { account { code balance(currency: $c) { minorUnits } } balance { minorUnits } } } }',
        { c: currency },
        principals.analyst,
      );
      const report = response.data!.trialBalance;
      assert.equal(report.balanced, true, `${currency} trial balance ${message}`);
      for (const line of report.lines)
        assert.equal(line.account.balance.minorUnits, line.balance.minorUnits, `stored ${line.account.code} ${currency} equals recomputed ${message}`);
      const clearing = report.lines.find((line) => line.account.code === '1100')!;
      assert.equal(
        BigInt(clearing.balance.minorUnits) - baseline[currency],
        expected.clearing[currency],
        `${currency} clearing moved by captures - refunds ${message}`,
      );
    }
    const day = await reconcile('2030-02-01');
    assert.deepEqual(day.mismatches, [], message);
    assert.equal(day.reconciled, true);
  });
});

/** Publishes with a few in flight at once (order does not matter to the ledger). */
async function publishAll(bus: EventBus, envelopes: readonly AnyEnvelope[]): Promise<void> {
  for (let start = 0; start < envelopes.length; start += 20) {
    await Promise.all(envelopes.slice(start, start + 20).map((envelope) => bus.publish(envelope as never)));
  }
}
