import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, readSubgraphConfig } from '../src/index.js';

const base = { MONGODB_URI: 'mongodb://127.0.0.1:27017', MESH_INTERNAL_SECRET: 'x'.repeat(32) };

test("a subgraph's consumers keep the bus's retries unless EVENT_MAX_DELIVER and EVENT_RETRY_BACKOFF_MS say otherwise", () => {
  const unset = readSubgraphConfig('order', 4003, base);
  assert.equal(unset.eventMaxDeliver, undefined);
  assert.equal(unset.eventRetryBackoffMs, undefined);
  const set = readSubgraphConfig('order', 4003, { ...base, EVENT_MAX_DELIVER: '2', EVENT_RETRY_BACKOFF_MS: '200, 1000' });
  assert.equal(set.eventMaxDeliver, 2);
  assert.deepEqual(set.eventRetryBackoffMs, [200, 1000]);
});

test('a malformed retry setting stops the subgraph at start with a ConfigError naming the variable', () => {
  assert.throws(
    () => readSubgraphConfig('order', 4003, { ...base, EVENT_MAX_DELIVER: '0' }),
    (error: unknown) => error instanceof ConfigError && /EVENT_MAX_DELIVER/.test(error.message),
  );
  for (const backoff of ['fast', '100,-1', '1.5', '100,,200']) {
    assert.throws(
      () => readSubgraphConfig('order', 4003, { ...base, EVENT_RETRY_BACKOFF_MS: backoff }),
      (error: unknown) => error instanceof ConfigError && /EVENT_RETRY_BACKOFF_MS/.test(error.message),
      backoff,
    );
  }
});

test("EVENT_FETCH_BATCH sets how many events one pull asks for (unset: the bus's default); out of range stops the subgraph", () => {
  assert.equal(readSubgraphConfig('order', 4003, base).eventFetchBatch, undefined);
  assert.equal(readSubgraphConfig('order', 4003, { ...base, EVENT_FETCH_BATCH: '1' }).eventFetchBatch, 1);
  assert.equal(readSubgraphConfig('order', 4003, { ...base, EVENT_FETCH_BATCH: '64' }).eventFetchBatch, 64);
  for (const batch of ['0', '1001', 'many']) {
    assert.throws(
      () => readSubgraphConfig('order', 4003, { ...base, EVENT_FETCH_BATCH: batch }),
      (error: unknown) => error instanceof ConfigError && /EVENT_FETCH_BATCH/.test(error.message),
      batch,
    );
  }
});
