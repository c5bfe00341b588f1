/**
 * A kept store opens without building its indexes: each collection's indexes are filled from its
 * documents when the collection is first used (launcher/UnbuiltIndexes.java). These tests restart the
 * launcher on a store and check that the first reads and writes see whole indexes, that declaring the
 * same indexes again (as every service does when it connects) does not build them, and that queries
 * and writes arriving together during the build all get exact answers.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { MongoClient, type Db } from 'mongodb';

import { startEmbeddedMongo } from '../src/index.js';

const dir = await mkdtemp(join(tmpdir(), 'embedded-mongo-lazy-'));
after(() => rm(dir, { recursive: true, force: true }));

interface Stock {
  _id: string;
  sku: string;
  locationId: string;
  available: number;
  pending?: string[];
}

/** Opens the store; the background warmer is off unless asked for, so only clients build indexes. */
async function withStore<T>(dataFile: string, use: (db: Db) => Promise<T>, warmQuietMs = -1): Promise<T> {
  const database = await startEmbeddedMongo({ backend: 'h2', dataFile, warmQuietMs });
  const client = await new MongoClient(database.uri, { maxPoolSize: 32 }).connect();
  try {
    return await use(client.db('shop'));
  } finally {
    await client.close();
    await database.stop();
  }
}

/** The server's counters for one collection: passes that built indexes, indexes built, the last plan. */
async function statsOf(db: Db, collection: string): Promise<{ indexBuilds: number; indexesBuilt: number; lastPlan: string; scans: number }> {
  const stats = await db.command({ meshQueryStats: 1 });
  return stats['namespaces'][`shop.${collection}`] ?? { indexBuilds: 0, indexesBuilt: 0, lastPlan: '', scans: 0 };
}

const SKUS = 50;
const LOCATIONS = 40;

async function writeStock(dataFile: string): Promise<void> {
  await withStore(dataFile, async (db) => {
    const stock = db.collection<Stock>('stock');
    await stock.createIndex({ sku: 1, locationId: 1 }, { unique: true });
    await stock.createIndex({ available: 1 });
    await stock.createIndex({ pending: 1 }, { sparse: true, name: 'pending' });
    const documents: Stock[] = [];
    for (let s = 0; s < SKUS; s++) {
      for (let l = 0; l < LOCATIONS; l++) {
        const stockLevel: Stock = { _id: `s${s}-l${l}`, sku: `sku-${s}`, locationId: `loc-${l}`, available: 100 };
        if (l === 0 && s % 10 === 0) stockLevel.pending = [`evt-${s}`];
        documents.push(stockLevel);
      }
    }
    await stock.insertMany(documents);
    await db.collection('other').insertOne({ _id: 'x', note: 'never used after the restart' } as never);
    await db.collection('other').createIndex({ note: 1 });
  });
}

test('after a restart no collection builds its indexes until it is used, and then they answer whole', async () => {
  const dataFile = join(dir, 'first-use.h2');
  await writeStock(dataFile);
  await withStore(dataFile, async (db) => {
    const stock = db.collection<Stock>('stock');
    // What a service does when it connects: declare its indexes again. That builds nothing.
    await stock.createIndex({ sku: 1, locationId: 1 }, { unique: true });
    await stock.createIndex({ available: 1 });
    // Nor does counting every document, as the services' seeds do at start-up.
    assert.equal(await stock.estimatedDocumentCount(), SKUS * LOCATIONS);
    assert.equal((await statsOf(db, 'stock')).indexBuilds, 0);
    // A declaration with other options (upstream compares sparseness) is refused as before, still without a build.
    await assert.rejects(stock.createIndex({ available: 1 }, { sparse: true }), { code: 86 });
    assert.equal((await statsOf(db, 'stock')).indexBuilds, 0);

    // The first write checks uniqueness against every stored key: it builds the unique indexes, only.
    await assert.rejects(stock.insertOne({ _id: 'dup', sku: 'sku-7', locationId: 'loc-3', available: 1 }), { code: 11000 });
    assert.equal((await statsOf(db, 'stock')).indexBuilds, 1);
    assert.equal((await statsOf(db, 'stock')).indexesBuilt, 2, '_id_ and sku_1_locationId_1');

    assert.deepEqual(await stock.findOne({ sku: 'sku-7', locationId: 'loc-3' }), { _id: 's7-l3', sku: 'sku-7', locationId: 'loc-3', available: 100 });
    assert.equal((await statsOf(db, 'stock')).lastPlan, 'sku_1_locationId_1');
    const pending = await stock.find({ pending: { $exists: true } }, { projection: { _id: 1 } }).toArray();
    assert.deepEqual(pending.map((level) => level._id).sort(), ['s0-l0', 's10-l0', 's20-l0', 's30-l0', 's40-l0']);
    assert.equal((await statsOf(db, 'stock')).lastPlan, 'pending');
    assert.equal((await statsOf(db, 'stock')).scans, 0);
    // The read by existence built the sparse index it is answered with, in a second pass; available_1 still waits.
    assert.equal((await statsOf(db, 'stock')).indexBuilds, 2);
    assert.equal((await statsOf(db, 'stock')).indexesBuilt, 3, 'each index built once');
    assert.equal(await stock.countDocuments({ pending: { $exists: true }, available: 100 }), 5);
    assert.equal((await statsOf(db, 'stock')).indexesBuilt, 4, 'a filter on available builds available_1');
    assert.equal((await statsOf(db, 'other')).indexBuilds, 0, 'an unused collection builds nothing');

    // A new index over the stored documents is built and checked when it is declared.
    await assert.rejects(stock.createIndex({ sku: 1 }, { unique: true }), { code: 11000 });
    await stock.createIndex({ locationId: 1, available: -1 });
    assert.equal(await stock.countDocuments({ locationId: 'loc-5', available: { $gte: 100 } }), SKUS);
    assert.equal((await statsOf(db, 'stock')).lastPlan, 'locationId_1_available_-1');
  });
});

test('an index dropped before its collection was used is gone after the next restart', async () => {
  const dataFile = join(dir, 'drop.h2');
  await writeStock(dataFile);
  await withStore(dataFile, async (db) => {
    await db.collection('stock').dropIndex('available_1');
    assert.equal((await statsOf(db, 'stock')).indexBuilds, 0);
  });
  await withStore(dataFile, async (db) => {
    const names = (await db.collection('stock').listIndexes().toArray()).map((index) => String(index['name']));
    assert.deepEqual(names.sort(), ['_id_', 'pending', 'sku_1_locationId_1']);
    assert.equal(await db.collection('stock').countDocuments({ available: 100 }), SKUS * LOCATIONS);
  });
});

test('queries and guarded writes that arrive together while the first use builds the indexes are all exact', async () => {
  const dataFile = join(dir, 'concurrent.h2');
  await writeStock(dataFile);
  await withStore(dataFile, async (db) => {
    const stock = db.collection<Stock>('stock');
    const reservations = Array.from({ length: 120 }, () =>
      stock.findOneAndUpdate({ sku: 'sku-3', locationId: 'loc-9', available: { $gte: 1 } }, { $inc: { available: -1 } }, { returnDocument: 'after' }),
    );
    const reads = Array.from({ length: 60 }, (_, n) => stock.find({ sku: `sku-${n % SKUS}` }).toArray());
    const [reserved, read] = await Promise.all([Promise.all(reservations), Promise.all(reads)]);
    const remaining = reserved.map((level) => level?.available).sort((a, b) => (b ?? -1) - (a ?? -1));
    assert.deepEqual(
      remaining,
      [...Array.from({ length: 100 }, (_, n): number | undefined => 99 - n), ...Array.from({ length: 20 }, () => undefined)],
      'each reservation saw its own count, and none went below zero',
    );
    for (const [n, levels] of read.entries()) {
      assert.equal(levels.length, LOCATIONS, `sku-${n % SKUS} at every location`);
      assert.ok(levels.every((level) => level.sku === `sku-${n % SKUS}`));
    }
    // The reservations' unique indexes and filter fields; not the sparse index none of them reads.
    assert.equal((await statsOf(db, 'stock')).indexesBuilt, 3);
    assert.equal((await stock.findOne({ _id: 's3-l9' }))?.available, 0);
  });
});

test('once clients have settled, the collections nobody used are built in the background', async () => {
  const dataFile = join(dir, 'warm.h2');
  await writeStock(dataFile);
  await withStore(
    dataFile,
    async (db) => {
      assert.equal((await statsOf(db, 'other')).indexBuilds, 0, 'nothing is built before a client uses a collection');
      assert.equal(await db.collection<Stock>('stock').countDocuments({ sku: 'sku-1' }), LOCATIONS);
      const deadline = Date.now() + 30_000;
      // The warmer goes collection by collection: wait for both, in whichever order it takes them.
      const warmed = async () => (await statsOf(db, 'other')).indexBuilds > 0 && (await statsOf(db, 'stock')).indexesBuilt === 4;
      while (!(await warmed()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal((await statsOf(db, 'other')).indexBuilds, 1);
      assert.deepEqual(await db.collection('other').find({ note: 'never used after the restart' }).toArray(), [
        { _id: 'x', note: 'never used after the restart' },
      ]);
      assert.equal((await statsOf(db, 'other')).lastPlan, 'note_1');
      // The client's count built sku_1_locationId_1; the warmer the three it did not need.
      assert.equal((await statsOf(db, 'stock')).indexesBuilt, 4, 'an index a client built is not built again');
    },
    200,
  );
});
