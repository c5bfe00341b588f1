import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import type { RunningHttpService, SubgraphDefinition } from '@mesh/server-kit';
import type { GatewayReadiness } from '../../src/module.js';
import { composeTestSupergraph, inventory, order, product, startTestSubgraphServer, ticks, type RunningTestSubgraph } from '../subscriptions/test-subgraphs.js';
import { TEST_INTERNAL_SECRET, codeOf, eventually, post, recordingLogger, startGatewayOn, writeSupergraph } from './gateway-kit.js';

// A new domain joins a running gateway: its subgraph is composed into the supergraph file, and
// the gateway (polling the file) serves it without a restart, while a subscription opened
// before the reload keeps receiving events. A file that does not build is refused: the previous
// supergraph keeps serving, the error is logged and shown on /ready.

const promotions: SubgraphDefinition = {
  name: 'promotions',
  typeDefs: `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
    type Query { "Promotions running now." promotionCount: Int! }
    "A change of available stock."
    type StockTick @key(fields: "sku") {
      sku: String!
      "The promotion on the SKU."
      promotion: String!
    }`,
  resolvers: {
    Query: { promotionCount: () => 3 },
    StockTick: { __resolveReference: (ref: { sku: string }) => ref, promotion: (tick: { sku: string }) => `10% off ${tick.sku}` },
  },
};

const subgraphs: Record<string, RunningTestSubgraph> = {};
let gateway: RunningHttpService;
let supergraphPath: string;
const logged = recordingLogger();
const clients: Client[] = [];

// The supergraph names product at a dead address: only configuration by name (SUBGRAPH_URL_PRODUCT) can route it.
const composeWith = (extra: readonly SubgraphDefinition[]) =>
  composeTestSupergraph({ ...urls(), product: 'http://127.0.0.1:9/graphql' }, [inventory, product, order, ...extra]);
const urls = () => Object.fromEntries(Object.entries(subgraphs).map(([name, running]) => [name, running.url]));

before(async () => {
  for (const definition of [inventory, product, order, promotions])
    subgraphs[definition.name] = await startTestSubgraphServer(definition, TEST_INTERNAL_SECRET);
  supergraphPath = writeSupergraph(composeWith([]));
  gateway = await startGatewayOn(supergraphPath, { SUPERGRAPH_POLL_MS: '50', SUBGRAPH_URL_PRODUCT: subgraphs['product']?.url ?? '' }, logged.logger);
});
after(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await gateway?.close();
  await Promise.all(Object.values(subgraphs).map((s) => s.close()));
});

const readiness = async (): Promise<GatewayReadiness> => (await (await fetch(new URL('/ready', gateway.url))).json()) as GatewayReadiness;

/** Subscribes over graphql-ws and collects results. */
function watch(query: string, variables: Record<string, unknown>) {
  const c = createClient({ url: gateway.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
  clients.push(c);
  const results: FormattedExecutionResult[] = [];
  let ended: unknown;
  c.subscribe(
    { query, variables },
    {
      next: (value) => void results.push(value as FormattedExecutionResult),
      error: (error) => (ended = error ?? 'error'),
      complete: () => (ended = 'complete'),
    },
  );
  return {
    results,
    get ended() {
      return ended;
    },
  };
}

/** Emits one tick once `listeners` upstream subscriptions listen (they start asynchronously). */
async function emitWhenListening(listeners: number, sku: string, available: number): Promise<void> {
  await eventually(async () => (ticks.listenerCount('tick') >= listeners ? true : undefined), `${listeners} upstream subscriptions`);
  ticks.emit('tick', { sku, available });
}

test('a new subgraph composed into the file is served without a restart, and a subscription opened before keeps its stream', async () => {
  const first = await readiness();
  assert.deepEqual(first.supergraph.subgraphs.map((s) => s.name).sort(), ['inventory', 'order', 'product']);
  assert.equal(first.supergraph.subgraphs.find((s) => s.name === 'product')?.url, subgraphs['product']?.url);
  assert.equal(codeOf(await post(gateway.url, { query: '{ promotionCount }' })), 'GRAPHQL_VALIDATION_FAILED');

  const before = watch('subscription($sku: String!) { stockTicks(sku: $sku) { sku available productName } }', { sku: 'R1' });
  const listening = ticks.listenerCount('tick');
  await emitWhenListening(listening + 1, 'R1', 5);
  await eventually(async () => (before.results.length === 1 ? true : undefined), 'the first event');
  assert.deepEqual(before.results[0]?.data, { stockTicks: { sku: 'R1', available: 5, productName: 'Product R1' } });

  writeFileSync(supergraphPath, composeWith([promotions]));
  const reloaded = await eventually(async () => {
    const now = await readiness();
    return now.supergraph.id !== first.supergraph.id ? now : undefined;
  }, 'the reload');
  assert.deepEqual(reloaded.supergraph.subgraphs.map((s) => s.name).sort(), ['inventory', 'order', 'product', 'promotions']);
  assert.equal(reloaded.status, 'ready', JSON.stringify(reloaded));
  assert.deepEqual((await post(gateway.url, { query: '{ promotionCount tickCount }' })).body.data, { promotionCount: 3, tickCount: listening + 1 });

  const afterReload = watch('subscription($sku: String!) { stockTicks(sku: $sku) { sku promotion productName } }', { sku: 'R1' });
  await emitWhenListening(listening + 2, 'R1', 6);
  await eventually(async () => (before.results.length === 2 && afterReload.results.length === 1 ? true : undefined), 'the event on both subscriptions');
  assert.deepEqual(before.results[1]?.data, { stockTicks: { sku: 'R1', available: 6, productName: 'Product R1' } });
  assert.deepEqual(afterReload.results[0]?.data, { stockTicks: { sku: 'R1', promotion: '10% off R1', productName: 'Product R1' } });
  assert.equal(before.ended, undefined);
});

test('a malformed supergraph on reload is refused: the previous one keeps serving, the error is logged and shown on /ready', async () => {
  const serving = await readiness();
  writeFileSync(supergraphPath, 'schema @link(url: "https://specs.apollo.dev/link/v1.0") { query: Query }\ntype Query {');
  const refused = await eventually(async () => {
    const now = await readiness();
    return now.supergraph.reloadError ? now : undefined;
  }, 'the refused reload on /ready');
  assert.equal(refused.supergraph.id, serving.supergraph.id);
  assert.equal(refused.status, 'ready');
  assert.match(refused.supergraph.reloadError?.message ?? '', /Syntax Error|Expected/);
  assert.ok(logged.lines.some((line) => line.level === 'error' && /reload refused/.test(line.message)));
  assert.deepEqual((await post(gateway.url, { query: '{ promotionCount }' })).body.data, { promotionCount: 3 });

  // A file that parses but is not a valid supergraph is refused the same way.
  writeFileSync(supergraphPath, 'type Query { hello: String }');
  await eventually(
    async () => ((await readiness()).supergraph.reloadError?.message !== refused.supergraph.reloadError?.message ? true : undefined),
    'the second refusal',
  );
  assert.equal((await readiness()).supergraph.id, serving.supergraph.id);

  writeFileSync(supergraphPath, composeWith([]));
  const healed = await eventually(async () => {
    const now = await readiness();
    return now.supergraph.reloadError === null && now.supergraph.id !== serving.supergraph.id ? now : undefined;
  }, 'the good file to be taken');
  assert.deepEqual(healed.supergraph.subgraphs.map((s) => s.name).sort(), ['inventory', 'order', 'product']);
});
