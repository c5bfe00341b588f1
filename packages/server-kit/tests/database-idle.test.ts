import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { oneDocumentDatabase } from './support/one-document-database.js';

// An idle service's database connection should not wake the process: the driver's pool check ran
// every 100 ms by default (about 30 timers in 3 s), which was each service's most frequent wake-up.
const fixture = oneDocumentDatabase('idle_test');

test('an idle connection starts at most a few timers in 3 s, and still answers at once afterwards', { timeout: 30_000 }, async () => {
  const { connection } = fixture();
  let timers = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === 'Timeout') timers += 1;
    },
  });
  await sleep(200); // let the insert's own timers settle
  hook.enable();
  try {
    await sleep(3000);
  } finally {
    hook.disable();
  }
  // The server monitor's heartbeat (every 10 s) may start one or two.
  assert.ok(timers <= 3, `${timers} timers started while idle`);

  const started = Date.now();
  assert.deepEqual(await connection.collection('things').findOne({ _id: 'one' as never }), { _id: 'one' });
  assert.ok(Date.now() - started < 2000);
  assert.equal(connection.name, 'idle_test');
  assert.equal(connection.readyState, 1); // what the service's readiness probe reads
});
