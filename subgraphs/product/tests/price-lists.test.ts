import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectJetStreamBus, type AnyEnvelope, type EventBus } from '@mesh/events';
import { startNatsServer, type TestNatsServer } from '@mesh/mesh-runner';
import type { RunningDatabase } from '@mesh/embedded-mongo';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { GATEWAY_CREDENTIAL_HEADER, secretKey, signGatewayCredential, type Principal } from '@mesh/server-kit';
import { TEST_INTERNAL_SECRET, principals, startTestDatabase, startTestSubgraph, type TestSubgraph } from '@mesh/test-kit';
import { createProductModels, createProductSubgraph, type ProductModels } from '../src/module.js';
import { announceDuePrices } from '../src/pricing/announce-due-prices.js';

let database: RunningDatabase;
let nats: TestNatsServer;
let subgraph: TestSubgraph;
let models: ProductModels;
let watcher: EventBus;
const seen: AnyEnvelope[] = [];

before(async () => {
  [database, nats] = await Promise.all([startTestDatabase(), startNatsServer()]);
  subgraph = await startTestSubgraph(createProductSubgraph({ priceAnnouncerRecheckMs: 100, relayIntervalMs: 50 }), {
    mongoUri: database.uri,
    natsUrl: nats.url,
  });
  models = createProductModels(subgraph.connection);
  watcher = await connectJetStreamBus({ servers: nats.url, name: 'price-test-watcher' });
  await watcher.subscribe(['product.price-changed'], 'price-test-watcher', (envelope) => {
    seen.push(envelope);
  });
});
after(async () => {
  await watcher?.close();
  await subgraph?.close();
  await Promise.all([database?.stop(), nats?.stop()]);
});

const SCHEDULE = `mutation($input: SchedulePriceInput!) { schedulePrice(input: $input) { price { minorUnits currency } effectiveFrom effectiveTo announced } }`;
const PRICE = `query($sku: ID!, $channel: SalesChannel, $storeId: ID, $tier: LoyaltyTier, $at: DateTime) {
  variant(sku: $sku) { price(currency: USD, channel: $channel, storeId: $storeId, tier: $tier, at: $at) { minorUnits } }
}`;
type Scheduled = { schedulePrice: { price: { minorUnits: string }; effectiveFrom: string; effectiveTo: string | null; announced: boolean } };

const schedule = (input: Record<string, unknown>, principal: Principal = principals.admin) =>
  subgraph.request<Scheduled>(SCHEDULE, { input: { currency: 'USD', ...input } }, principal);
const priceOf = async (sku: string, args: Record<string, unknown> = {}) => {
  const response = await subgraph.request<{ variant: { price: { minorUnits: string } | null } }>(PRICE, { sku, ...args }, principals.anonymous);
  assert.equal(response.errors, undefined);
  const price = response.data?.variant.price;
  return price ? Number(price.minorUnits) : null;
};
const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();
const priceChanges = (sku: string) =>
  seen.filter((event): event is Extract<AnyEnvelope, { type: 'product.price-changed' }> => event.type === 'product.price-changed' && event.data.sku === sku);

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('price lists', () => {
  test('the seeded default price answers for every channel and the history shows its one open period', async () => {
    const web = await priceOf('SKU-0001-01', { channel: 'WEB' });
    const pos = await priceOf('SKU-0001-01', { channel: 'POS', storeId: 'loc_nyc01', tier: 'GOLD' });
    assert.ok(web !== null && web > 0);
    assert.equal(pos, web);
    const history = await subgraph.request<{ variant: { priceHistory: { effectiveTo: string | null; announced: boolean }[] } }>(
      '{ variant(sku: "SKU-0001-01") { priceHistory(currency: USD) { effectiveTo announced } } }',
      {},
      principals.anonymous,
    );
    assert.deepEqual(history.data?.variant.priceHistory, [{ effectiveTo: null, announced: true }]);
  });

  test('a scheduled change is not in force and not published before its time, then is both', async () => {
    const sku = 'SKU-0002-01';
    const before = await priceOf(sku);
    const at = inMs(1500);
    const response = await schedule({ idempotencyKey: 'change-0002', sku, amountMinor: '1999', effectiveFrom: at });
    assert.equal(response.errors, undefined);
    assert.equal(response.data?.schedulePrice.announced, false);
    assert.equal(await priceOf(sku), before);
    assert.equal(await priceOf(sku, { at }), 1999);
    assert.equal(priceChanges(sku).length, 0);
    await waitFor(() => priceChanges(sku).length === 1, 'the price change to be published');
    const [event] = priceChanges(sku);
    assert.ok(Date.now() >= Date.parse(at));
    assert.deepEqual(event?.data.previous, { minorUnits: before, currency: 'USD' });
    assert.deepEqual(event?.data.current, { minorUnits: 1999, currency: 'USD' });
    assert.equal(event?.data.effectiveFrom, at);
    assert.equal(await priceOf(sku), 1999);
    // History keeps the old period, now closed where the new one starts.
    const history = await subgraph.request<{
      variant: { priceHistory: { price: { minorUnits: string }; effectiveFrom: string; effectiveTo: string | null; announced: boolean }[] };
    }>(`{ variant(sku: "${sku}") { priceHistory(currency: USD) { price { minorUnits } effectiveFrom effectiveTo announced } } }`, {}, principals.anonymous);
    const periods = history.data!.variant.priceHistory;
    assert.equal(periods.length, 2);
    assert.equal(periods[0]?.effectiveTo, at);
    assert.deepEqual(periods[1], { price: { minorUnits: '1999' }, effectiveFrom: at, effectiveTo: null, announced: true });
  });

  test('a channel, tier or store price list beats the default only where it applies, and only in its period', async () => {
    const sku = 'SKU-0003-01';
    const base = await priceOf(sku);
    const from = inMs(300);
    const to = inMs(3_600_000);
    assert.equal(
      (await schedule({ idempotencyKey: 'web-0003', sku, channel: 'WEB', amountMinor: '1500', effectiveFrom: from, effectiveTo: to })).errors,
      undefined,
    );
    assert.equal(
      (await schedule({ idempotencyKey: 'gold-0003', sku, channel: 'WEB', tier: 'GOLD', amountMinor: '1400', effectiveFrom: from })).errors,
      undefined,
    );
    assert.equal(
      (await schedule({ idempotencyKey: 'store-0003', sku, channel: 'POS', storeId: 'loc_nyc01', amountMinor: '1300', effectiveFrom: from })).errors,
      undefined,
    );
    assert.equal(await priceOf(sku, { channel: 'WEB', at: from }), 1500);
    assert.equal(await priceOf(sku, { channel: 'WEB', tier: 'GOLD', at: from }), 1400);
    assert.equal(await priceOf(sku, { channel: 'WEB', tier: 'SILVER', at: from }), 1500);
    assert.equal(await priceOf(sku, { channel: 'POS', storeId: 'loc_nyc01', at: from }), 1300);
    assert.equal(await priceOf(sku, { channel: 'POS', storeId: 'loc_bos01', at: from }), base);
    assert.equal(await priceOf(sku, { channel: 'APP', at: from }), base);
    // After the WEB list's closed period ends, WEB falls back to the default price.
    assert.equal(await priceOf(sku, { channel: 'WEB', at: inMs(3_700_000) }), base);
    assert.equal(await priceOf(sku, { channel: 'WEB', at: new Date(Date.now() - 1000).toISOString() }), base);
  });

  test('overlaps, gaps, past starts, empty periods and prices of zero are refused with stable codes and change nothing', async () => {
    const sku = 'SKU-0004-01';
    const from = inMs(3_600_000);
    const to = inMs(7_200_000);
    assert.equal(
      (await schedule({ idempotencyKey: 'app-0004', sku, channel: 'APP', amountMinor: '900', effectiveFrom: from, effectiveTo: to })).errors,
      undefined,
    );
    const stored = await models.priceLists.findById(`${sku}|USD|APP|*|*`).lean();
    const cases: [Record<string, unknown>, string][] = [
      [{ amountMinor: '0', effectiveFrom: to }, 'PRICE_NOT_POSITIVE'],
      [{ amountMinor: '-5', effectiveFrom: to }, 'PRICE_NOT_POSITIVE'],
      [{ amountMinor: '800', effectiveFrom: inMs(5_000_000) }, 'PRICE_PERIOD_OVERLAP'],
      [{ amountMinor: '800', effectiveFrom: from }, 'PRICE_PERIOD_OVERLAP'],
      [{ amountMinor: '800', effectiveFrom: inMs(8_000_000) }, 'PRICE_PERIOD_GAP'],
      [{ amountMinor: '800', effectiveFrom: new Date(Date.now() - 60_000).toISOString() }, 'PRICE_CHANGE_IN_PAST'],
      [{ amountMinor: '800', effectiveFrom: to, effectiveTo: to }, 'PRICE_PERIOD_EMPTY'],
    ];
    for (const [[input, code], index] of cases.map((entry, i) => [entry, i] as const)) {
      const response = await schedule({ idempotencyKey: `bad-0004-${index}`, sku, channel: 'APP', ...input });
      assert.equal(response.errors?.[0]?.extensions?.['code'], code, JSON.stringify(input));
    }
    assert.deepEqual(await models.priceLists.findById(`${sku}|USD|APP|*|*`).lean(), stored);
    // The adjoining period is accepted.
    assert.equal((await schedule({ idempotencyKey: 'app-0004-next', sku, channel: 'APP', amountMinor: '950', effectiveFrom: to })).errors, undefined);
  });

  test('a repeated request returns the first result; the same key with another price is refused', async () => {
    const sku = 'SKU-0005-01';
    const input = { idempotencyKey: 'repeat-0005', sku, amountMinor: '2500', effectiveFrom: inMs(3_600_000) };
    const [first, second] = await Promise.all([schedule(input), schedule(input)]);
    assert.deepEqual(first.data, second.data);
    const reused = await schedule({ ...input, amountMinor: '2600' });
    assert.equal(reused.errors?.[0]?.extensions?.['code'], 'IDEMPOTENCY_KEY_REUSED');
    const list = await models.priceLists.findById(`${sku}|USD|*|*|*`).lean();
    assert.equal(list?.periods.length, 2);
  });

  test('only pricing administrators may schedule prices, and an unknown SKU is NOT_FOUND', async () => {
    const associate = await schedule({ idempotencyKey: 'assoc-0006', sku: 'SKU-0006-01', amountMinor: '100' }, principals.associate);
    assert.equal(associate.errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
    const unknown = await schedule({ idempotencyKey: 'unknown', sku: 'SKU-9999-99', amountMinor: '100' });
    assert.equal(unknown.errors?.[0]?.extensions?.['code'], 'NOT_FOUND');
  });

  test('a due change is announced exactly once however many passes run at once', async () => {
    const sku = 'SKU-0007-01';
    const at = new Date(Date.now() + 200);
    // Scheduled through the API; the running announcer and five passes started here race for it.
    assert.equal((await schedule({ idempotencyKey: 'race-0007', sku, amountMinor: '777', effectiveFrom: at.toISOString() })).errors, undefined);
    // The change must be due before the passes start: this waits for the clock, not for a result.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, at.getTime() - Date.now())));
    await Promise.all(Array.from({ length: 5 }, () => announceDuePrices(models, new Date(), 100)));
    await waitFor(() => priceChanges(sku).length >= 1, 'the change to be published');
    // Drained: the list has nothing left to announce and nothing left to publish, so every event
    // ever recorded for the change is in the relay's event log by now.
    await waitFor(async () => {
      const drained = await models.priceLists.findById(`${sku}|USD|*|*|*`).lean();
      return drained !== null && drained.nextDueAt === undefined && (drained.pendingEvents ?? []).length === 0;
    }, 'the list to be drained');
    assert.equal(await subgraph.connection.collection('event_log').countDocuments({ correlationId: 'price:race-0007' }), 1);
    assert.equal(priceChanges(sku).length, 1);
    const list = await models.priceLists.findById(`${sku}|USD|*|*|*`).lean();
    assert.ok(list?.periods.every((period) => period.announced));
  });

  test('a clienteling app subscribed to its SKUs is told of each price change as it takes effect, and of no other SKU', async () => {
    const watched = 'SKU-0008-01';
    const credential = await signGatewayCredential(principals.associate, secretKey(TEST_INTERNAL_SECRET));
    const client = createClient({
      url: subgraph.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { [GATEWAY_CREDENTIAL_HEADER]: credential },
    });
    type Change = {
      priceChanged: {
        kind: string;
        channel: string | null;
        variant: { sku: string } | null;
        previous: { minorUnits: string } | null;
        current: { minorUnits: string } | null;
        effectiveFrom: string;
      };
    };
    const received: Change['priceChanged'][] = [];
    let failed: unknown;
    const stop = client.subscribe<Change>(
      {
        query:
          'subscription($skus: [ID!]!) { priceChanged(skus: $skus) { kind channel variant { sku } previous { minorUnits } current { minorUnits } effectiveFrom } }',
        variables: { skus: [watched] },
      },
      { next: (value) => void received.push(value.data!.priceChanged), error: (error) => (failed = error), complete: () => undefined },
    );
    try {
      // The subscription starts listening asynchronously: price changes are scheduled for the
      // watched SKU until one arrives, so the subscription surely listens before the real ones.
      for (let attempt = 0; received.length === 0; attempt++) {
        assert.equal(
          (
            await schedule({
              idempotencyKey: `live-warmup-${attempt}`,
              sku: watched,
              channel: 'APP',
              amountMinor: String(1000 + attempt),
              effectiveFrom: inMs(1000),
            })
          ).errors,
          undefined,
        );
        await waitFor(() => priceChanges(watched).length > attempt, 'the warm-up change to be published');
        // Published: a subscription already listening gets it promptly, one not yet listening never will.
        await waitFor(() => received.length > 0, 'the warm-up change to be pushed', 2000).catch(() => undefined);
      }
      const clienteling = () => received.filter((change) => change.channel === 'CLIENTELING');
      const at = inMs(300);
      assert.equal(
        (await schedule({ idempotencyKey: 'live-0008', sku: watched, channel: 'CLIENTELING', amountMinor: '4321', effectiveFrom: at })).errors,
        undefined,
      );
      assert.equal((await schedule({ idempotencyKey: 'live-0009', sku: 'SKU-0009-01', amountMinor: '1234', effectiveFrom: at })).errors, undefined);
      await waitFor(() => priceChanges('SKU-0009-01').length === 1, 'the other SKU to change');
      // A later change of the watched SKU, published after the other SKU's: the feed is in order,
      // so once it arrives, anything about the other SKU would have arrived before it.
      const marker = inMs(300);
      assert.equal(
        (await schedule({ idempotencyKey: 'live-0008-marker', sku: watched, channel: 'CLIENTELING', amountMinor: '4322', effectiveFrom: marker })).errors,
        undefined,
      );
      await waitFor(() => clienteling().length >= 2 || failed !== undefined, 'both changes of the watched SKU to be pushed');
      assert.equal(failed, undefined);
      assert.ok(received.every((change) => change.variant?.sku === watched));
      assert.deepEqual(clienteling(), [
        { kind: 'CHANGE', channel: 'CLIENTELING', variant: { sku: watched }, previous: null, current: { minorUnits: '4321' }, effectiveFrom: at },
        {
          kind: 'CHANGE',
          channel: 'CLIENTELING',
          variant: { sku: watched },
          previous: { minorUnits: '4321' },
          current: { minorUnits: '4322' },
          effectiveFrom: marker,
        },
      ]);
    } finally {
      stop();
      await client.dispose();
    }
  });
});
