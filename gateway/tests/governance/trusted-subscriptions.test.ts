import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import type { RunningHttpService } from '@mesh/server-kit';
import { persistedIdOf } from '../../src/governance/persisted-manifest.js';
import { TEST_SUBGRAPHS, composeTestSupergraph, startTestSubgraphServer, ticks, type RunningTestSubgraph } from '../subscriptions/test-subgraphs.js';
import { TEST_INTERNAL_SECRET, eventually, startGatewayOn, writeSupergraph } from '../supergraph/gateway-kit.js';

// The persisted-operation policy holds over WebSocket too: an enforced client type subscribes by
// id (extensions.persistedQuery) or with a listed document, and is refused anything else.

const WATCH = 'subscription Watch($sku: String!) { stockTicks(sku: $sku) { sku available } }';
let subgraphs: RunningTestSubgraph[] = [];
let gateway: RunningHttpService;
const clients: Client[] = [];

before(async () => {
  subgraphs = await Promise.all(TEST_SUBGRAPHS.map((definition) => startTestSubgraphServer(definition, TEST_INTERNAL_SECRET)));
  const urls = Object.fromEntries(TEST_SUBGRAPHS.map((definition, index) => [definition.name, subgraphs[index]!.url]));
  const path = writeSupergraph(composeTestSupergraph(urls));
  const manifest = path.replace(/supergraph\.graphql$/, 'manifest.json');
  writeFileSync(manifest, JSON.stringify({ [persistedIdOf(WATCH)]: WATCH }));
  gateway = await startGatewayOn(path, { PERSISTED_OPERATIONS_PATH: manifest, TRUSTED_OPERATIONS: '*=off,clienteling=enforce' });
});
after(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await gateway?.close();
  await Promise.all(subgraphs.map((s) => s.close()));
});

function subscribe(clientName: string | undefined, payload: { query: string; variables?: Record<string, unknown>; extensions?: Record<string, unknown> }) {
  const c = createClient({
    url: gateway.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: clientName ? { 'apollographql-client-name': clientName } : {},
  });
  clients.push(c);
  const results: FormattedExecutionResult[] = [];
  const outcome: { error?: unknown } = {};
  c.subscribe(payload, {
    next: (value) => void results.push(value as FormattedExecutionResult),
    error: (error) => (outcome.error = error),
    complete: () => {},
  });
  return { results, outcome };
}

const codeOfRefusal = (error: unknown) => (error as { extensions?: { code?: string } }[])[0]?.extensions?.code;

test('an enforced client type subscribes by persisted id and is refused unlisted or unknown operations with their codes', async () => {
  const listening = ticks.listenerCount('tick');
  const byId = subscribe('clienteling', {
    query: '',
    variables: { sku: 'T1' },
    extensions: { persistedQuery: { version: 1, sha256Hash: persistedIdOf(WATCH) } },
  });
  await eventually(async () => (ticks.listenerCount('tick') > listening ? true : undefined), 'the upstream subscription');
  ticks.emit('tick', { sku: 'T1', available: 4 });
  await eventually(async () => (byId.results.length > 0 ? true : undefined), 'the event');
  assert.deepEqual(byId.results[0]?.data, { stockTicks: { sku: 'T1', available: 4 } });

  const unlisted = subscribe('clienteling', { query: 'subscription { stockTicks(sku: "T1") { sku } }' });
  const unknown = subscribe('clienteling', { query: '', extensions: { persistedQuery: { version: 1, sha256Hash: 'nope' } } });
  await eventually(async () => (unlisted.outcome.error && unknown.outcome.error ? true : undefined), 'both refusals');
  assert.equal(codeOfRefusal(unlisted.outcome.error), 'PERSISTED_QUERY_NOT_IN_LIST');
  assert.equal(codeOfRefusal(unknown.outcome.error), 'PERSISTED_QUERY_NOT_FOUND');
  assert.equal(JSON.stringify(unknown.outcome.error).includes('"http"'), false);
});

test('a client type that is not enforced may subscribe with free-form text', async () => {
  const listening = ticks.listenerCount('tick');
  const free = subscribe(undefined, { query: 'subscription { stockTicks(sku: "T2") { sku } }' });
  await eventually(async () => (ticks.listenerCount('tick') > listening ? true : undefined), 'the upstream subscription');
  ticks.emit('tick', { sku: 'T2', available: 1 });
  await eventually(async () => (free.results.length > 0 ? true : undefined), 'the event');
  assert.deepEqual(free.results[0]?.data, { stockTicks: { sku: 'T2' } });
});
