/**
 * Index maintenance under concurrency: the embedded server answers filters from its indexes, and
 * keeps them in step with every write under the collection's lock. Guarded updates on indexed
 * fields stay exact, and a reader never gets a document that does not match its filter while
 * writers move documents between index entries.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { MongoClient, type Collection, type Db } from 'mongodb';

import { startEmbeddedMongo, type RunningDatabase } from '../src/index.js';

let database: RunningDatabase;
let client: MongoClient;
let db: Db;

interface Stock {
  _id: string;
  sku: string;
  locationId: string;
  available: number;
  status: string;
  version: number;
}

before(async () => {
  database = await startEmbeddedMongo({ backend: 'memory', port: 0 });
  client = await new MongoClient(database.uri, { maxPoolSize: 32 }).connect();
  db = client.db('indexed_concurrency');
});

after(async () => {
  await client?.close();
  await database?.stop();
});

async function stockCollection(name: string): Promise<Collection<Stock>> {
  const stock = db.collection<Stock>(name);
  await stock.createIndex({ sku: 1, locationId: 1 }, { unique: true });
  await stock.createIndex({ available: 1 });
  await stock.createIndex({ status: 1, version: -1 });
  return stock;
}

test('1,000 concurrent reservations guarded on an indexed field, filtered by a compound unique key: exactly 100 succeed', async () => {
  const stock = await stockCollection('reservations');
  await stock.insertMany(
    Array.from({ length: 50 }, (_, n) => ({ _id: `s${n}`, sku: `SKU-${n}`, locationId: 'WH-1', available: n === 7 ? 100 : 5, status: 'OPEN', version: 0 })),
  );
  const results = await Promise.all(
    Array.from({ length: 1000 }, () =>
      stock.findOneAndUpdate({ sku: 'SKU-7', locationId: 'WH-1', available: { $gte: 1 } }, { $inc: { available: -1 } }, { returnDocument: 'after' }),
    ),
  );
  const succeeded = results.filter((document) => document !== null);
  assert.equal(succeeded.length, 100);
  assert.equal(new Set(succeeded.map((document) => document.available)).size, 100, 'no unit handed out twice');
  assert.equal((await stock.findOne({ _id: 's7' }))?.available, 0);
  assert.deepEqual(
    await stock
      .find({ available: 0 })
      .map((document) => document._id)
      .toArray(),
    ['s7'],
    'the index moved the document to its new value',
  );
});

test('1,000 concurrent $inc on an indexed field add up, and the index finds the document at its final value only', async () => {
  const stock = await stockCollection('increments');
  await stock.insertOne({ _id: 'counted', sku: 'SKU-C', locationId: 'WH-1', available: 0, status: 'OPEN', version: 0 });
  await Promise.all(Array.from({ length: 1000 }, () => stock.updateOne({ sku: 'SKU-C', locationId: 'WH-1' }, { $inc: { available: 1 } })));
  assert.equal((await stock.findOne({ _id: 'counted' }))?.available, 1000);
  assert.equal(await stock.countDocuments({ available: 1000 }), 1);
  assert.equal(await stock.countDocuments({ available: { $lt: 1000 } }), 0, 'no stale index entry at an old value');
});

test('readers querying by indexed fields while writers change those fields never get a document that does not match', async () => {
  const stock = await stockCollection('moving');
  await stock.insertMany(
    Array.from({ length: 200 }, (_, n) => ({
      _id: `m${n}`,
      sku: `SKU-${n}`,
      locationId: 'WH-1',
      available: n % 10,
      status: n % 2 ? 'OPEN' : 'HELD',
      version: 0,
    })),
  );
  const wrong: string[] = [];
  let reads = 0;
  const deadline = Date.now() + 4000;
  const writer = async (seed: number) => {
    for (let step = 0; Date.now() < deadline; step++) {
      const n = (seed * 7919 + step * 104_729) % 200;
      await stock.updateOne({ _id: `m${n}` }, { $set: { status: step % 2 ? 'OPEN' : 'HELD', available: (step + seed) % 10 }, $inc: { version: 1 } });
    }
  };
  const reader = async (seed: number) => {
    for (let step = 0; Date.now() < deadline; step++) {
      const status = (seed + step) % 2 ? 'OPEN' : 'HELD';
      const available = (seed * 3 + step) % 10;
      const [byStatus, byAvailable, byRange] = await Promise.all([
        stock.find({ status }).sort({ version: -1 }).limit(20).toArray(),
        stock.find({ available }).toArray(),
        stock.find({ available: { $gte: available, $lt: available + 3 }, status }).toArray(),
      ]);
      reads += 3;
      for (const document of byStatus) if (document.status !== status) wrong.push(`${document._id} status ${document.status} for ${status}`);
      for (const document of byAvailable) if (document.available !== available) wrong.push(`${document._id} available ${document.available} for ${available}`);
      for (const document of byRange) {
        if (document.status !== status || document.available < available || document.available >= available + 3)
          wrong.push(`${document._id} outside the range`);
      }
    }
  };
  await Promise.all([writer(1), writer(2), writer(3), reader(1), reader(2), reader(3)]);
  assert.ok(reads > 30, `the readers ran (${reads} queries)`);
  assert.deepEqual(wrong, []);
  // After the writers stop, every index answers exactly what a scan does.
  for (const status of ['OPEN', 'HELD']) {
    const fromIndex = await stock.find({ status }).sort({ _id: 1 }).toArray();
    const fromScan = (await stock.find({}).sort({ _id: 1 }).toArray()).filter((document) => document.status === status);
    assert.deepEqual(fromIndex, fromScan);
  }
});
