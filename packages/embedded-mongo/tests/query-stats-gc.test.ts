/**
 * meshQueryStats also reports the server's garbage collections (launcher/QueryStats.java): the
 * embedded server keeps its data in the JVM's heap, and a collection pauses every command in flight,
 * so the benchmark puts the collections' time beside each round's throughput.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { MongoClient, type Db } from 'mongodb';

import { startEmbeddedMongo, type RunningDatabase } from '../src/index.js';

interface Collections {
  collections: number;
  millis: number;
  heapUsedMb: number;
}

let database: RunningDatabase;
let client: MongoClient;
let db: Db;

before(async () => {
  database = await startEmbeddedMongo({ backend: 'memory' });
  client = await new MongoClient(database.uri).connect();
  db = client.db('shop');
});
after(async () => {
  await client.close();
  await database.stop();
});

async function collections(reset = false): Promise<Collections> {
  const stats = await db.command({ meshQueryStats: 1, ...(reset ? { reset: true } : {}) });
  return stats['gc'] as Collections;
}

test('the garbage collections the server ran are counted and timed, and a reset of the query counters leaves them alone', async () => {
  const start = await collections();
  assert.ok(start.collections >= 0 && start.millis >= 0 && start.heapUsedMb > 0, JSON.stringify(start));
  // Storing a few hundred MB of documents makes the JVM collect; stop as soon as it has.
  const filler = 'x'.repeat(1000);
  let now = start;
  for (let batch = 0; batch < 100 && now.collections === start.collections; batch++) {
    await db.collection('filler').insertMany(Array.from({ length: 5000 }, (_, n) => ({ batch, n, filler })));
    now = await collections();
  }
  assert.ok(now.collections > start.collections, `no garbage collection counted after storing documents: ${JSON.stringify(now)}`);
  assert.ok(now.millis >= start.millis);
  const afterReset = await collections(true);
  assert.ok(afterReset.collections >= now.collections, 'a reset of the query counters must not zero the collections');
});
