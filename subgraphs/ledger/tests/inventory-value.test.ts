import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { CurrencyCode, EnvelopeOf, MovementType, StockMovementRecorded } from '@mesh/events';
import { principals } from '@mesh/test-kit';
import { INT64_AS_BIGINT } from '../src/models/int64.js';
import type { JournalEntryRecord } from '../src/models/journal-entry.model.js';
import { LEDGER_CONSUMERS } from '../src/module.js';
import { envelopeOf, lineSummary, publishTwice, startLedgerEventRig, totals, waitFor, type LedgerEventRig } from './ledger-event-helpers.js';
import type { MoneyJson } from './ledger-test-helpers.js';

let rig: LedgerEventRig;
before(async () => {
  rig = await startLedgerEventRig();
});
after(async () => {
  await rig?.close();
});

const TOPIC = 'inventory.stock-movement-recorded';

/** A stock movement event as inventory publishes it (version 2: valued), or without valuation when `valuation` is null. */
function movement(
  movementId: string,
  movementType: MovementType,
  quantityDelta: number,
  valuation: { unitCostMinor: number; currency: CurrencyCode } | null,
): EnvelopeOf<typeof TOPIC> {
  const data: StockMovementRecorded = {
    movementId,
    sku: 'SKU-0001-01',
    locationId: valuation?.currency === 'EUR' ? 'loc_ber01' : 'loc_nyc01',
    movementType,
    quantity: Math.abs(quantityDelta),
    quantityDelta,
    onHandAfter: 50,
    ...(valuation ?? {}),
  };
  return envelopeOf(TOPIC, data, `movement:${movementId}`);
}

/** Publishes a movement that posts nothing and waits until the inventory consumer completed it: everything published before it was handled. */
async function drainInventory(): Promise<void> {
  const marker = movement(`mov_marker_${randomUUID().slice(0, 8)}`, 'SALE', -1, { unitCostMinor: 1, currency: 'USD' });
  await rig.publisher.publish(marker);
  const id = `${LEDGER_CONSUMERS.inventory}|${TOPIC}:${marker.idempotencyKey}`;
  await waitFor(async () => (await rig.models.processedEvents.exists({ _id: id, state: 'DONE' })) !== null, `the marker ${marker.data.movementId}`);
}

const movementEntries = () => rig.models.entries.find({ 'source.type': 'STOCK_MOVEMENT' }).setOptions(INT64_AS_BIGINT).lean<JournalEntryRecord[]>();

const DEAD_LETTERS = 'query { deadLetters { id consumer topic eventId errorMessage deliveries } }';
interface DeadLetterJson {
  id: string;
  consumer: string;
  topic: string;
  eventId: string;
  errorMessage: string;
  deliveries: number;
}
const deadLetters = async (): Promise<DeadLetterJson[]> =>
  (await rig.subgraph.request<{ deadLetters: DeadLetterJson[] }>(DEAD_LETTERS, {}, principals.analyst)).data!.deadLetters;

const TRIAL_BALANCE =
  'query($c: CurrencyCode!) { trialBalance(currency: $c) { balanced totalDebit { minorUnits } totalCredit { minorUnits } lines { account { code } balance { minorUnits } } } }';
interface TrialBalanceJson {
  trialBalance: { balanced: boolean; totalDebit: MoneyJson; totalCredit: MoneyJson; lines: { account: { code: string }; balance: MoneyJson }[] };
}

describe('inventory value posted from stock movements', () => {
  test('each movement type posts its rule exactly once, balanced, even when every event is published twice', async () => {
    const usd = (unitCostMinor: number) => ({ unitCostMinor, currency: 'USD' as const });
    const eur = (unitCostMinor: number) => ({ unitCostMinor, currency: 'EUR' as const });
    const events = [
      movement('mov_v_receipt', 'RECEIPT', 4, usd(250)),
      movement('mov_v_adj_in', 'ADJUSTMENT_IN', 2, eur(300)),
      movement('mov_v_adj_out', 'ADJUSTMENT_OUT', -1, usd(250)),
      movement('mov_v_damage', 'DAMAGE', -3, eur(300)),
      movement('mov_v_count_gain', 'CYCLE_COUNT', 5, usd(120)),
      movement('mov_v_count_loss', 'CYCLE_COUNT', -2, usd(120)),
      movement('mov_v_count_even', 'CYCLE_COUNT', 0, usd(120)),
      // Posted elsewhere (cost of goods, returns) or value kept within the company (transfers): nothing here.
      movement('mov_v_sale', 'SALE', -2, usd(250)),
      movement('mov_v_return', 'RETURN', 1, usd(250)),
      movement('mov_v_transfer_out', 'TRANSFER_OUT', -6, usd(250)),
      movement('mov_v_transfer_in', 'TRANSFER_IN', 6, usd(250)),
    ];
    for (const envelope of events) await publishTwice(rig.publisher, envelope);
    await drainInventory();
    // Once more, after the first postings: a late redelivery posts nothing more.
    for (const envelope of events.slice(0, 3)) await rig.publisher.publish(envelopeOf(envelope.type, envelope.data, envelope.idempotencyKey));
    await drainInventory();

    const entries = await movementEntries();
    const posted = Object.fromEntries(entries.map((entry) => [entry.source.id, [entry.currency, ...lineSummary(entry)]]));
    assert.deepEqual(posted, {
      mov_v_receipt: ['USD', '1300:D:1000', '2050:C:1000'],
      mov_v_adj_in: ['EUR', '1300:D:600', '5100:C:600'],
      mov_v_adj_out: ['USD', '5100:D:250', '1300:C:250'],
      mov_v_damage: ['EUR', '5100:D:900', '1300:C:900'],
      mov_v_count_gain: ['USD', '1300:D:600', '5100:C:600'],
      mov_v_count_loss: ['USD', '5100:D:240', '1300:C:240'],
    });
    assert.equal(entries.length, 6, 'one entry per valued movement, none twice');
    for (const entry of entries) {
      const { debit, credit } = totals(entry);
      assert.equal(debit, credit, `${entry.source.id} is balanced`);
      assert.equal(entry.locationId, entry.currency === 'EUR' ? 'loc_ber01' : 'loc_nyc01');
      assert.equal(entry.correlationId, events.find((event) => event.data.movementId === entry.source.id)!.correlationId);
    }
    assert.deepEqual(await deadLetters(), []);

    // Inventory (1300, debit-normal) followed stock: +1000 - 250 + 600 - 240 in USD, +600 - 900 in EUR; debits equal credits.
    const expectedInventory = { USD: '1110', EUR: '-300' };
    for (const currency of ['USD', 'EUR'] as const) {
      const report = (await rig.subgraph.request<TrialBalanceJson>(TRIAL_BALANCE, { c: currency }, principals.analyst)).data!.trialBalance;
      assert.equal(report.balanced, true);
      assert.equal(report.totalDebit.minorUnits, report.totalCredit.minorUnits);
      assert.equal(report.lines.find((line) => line.account.code === '1300')?.balance.minorUnits, expectedInventory[currency]);
    }
  });

  test('a valuing movement without unitCostMinor and currency (a version-1 event) is dead-lettered visibly and posts nothing', async () => {
    const unvalued = { ...movement('mov_v1_damage', 'DAMAGE', -2, null), version: 1 } as unknown as EnvelopeOf<typeof TOPIC>;
    const unvaluedSale = { ...movement('mov_v1_sale', 'SALE', -2, null), version: 1 } as unknown as EnvelopeOf<typeof TOPIC>;
    await rig.publisher.publish(unvalued);
    await rig.publisher.publish(unvaluedSale);
    await waitFor(async () => (await deadLetters()).some((letter) => letter.eventId === unvalued.id), 'the dead letter');
    await drainInventory();
    const letters = await deadLetters();
    const letter = letters.find((candidate) => candidate.eventId === unvalued.id)!;
    assert.deepEqual(
      { consumer: letter.consumer, topic: letter.topic, deliveries: letter.deliveries },
      { consumer: LEDGER_CONSUMERS.inventory, topic: TOPIC, deliveries: 3 },
    );
    assert.match(letter.errorMessage, /no unitCostMinor and currency \(version 1\)/);
    assert.equal(
      letters.some((candidate) => candidate.eventId === unvaluedSale.id),
      false,
      'a sale posts nothing here, valued or not',
    );
    assert.equal(await rig.models.entries.countDocuments({ 'source.id': { $in: ['mov_v1_damage', 'mov_v1_sale'] } }), 0);
  });

  test('a movement whose delta contradicts its type is dead-lettered, never posted', async () => {
    const contrary = movement('mov_v_receipt_negative', 'RECEIPT', -3, { unitCostMinor: 100, currency: 'USD' });
    await rig.publisher.publish(contrary);
    await waitFor(async () => (await deadLetters()).some((letter) => letter.eventId === contrary.id), 'the dead letter');
    assert.match((await deadLetters()).find((letter) => letter.eventId === contrary.id)!.errorMessage, /a RECEIPT movement cannot change on hand by -3/);
    assert.equal(await rig.models.entries.countDocuments({ 'source.id': 'mov_v_receipt_negative' }), 0);
  });
});
