import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';

import { Binary, Decimal128, Long, MongoClient, ObjectId, UUID, type Document } from 'mongodb';
import mongoose, { Schema } from 'mongoose';

import { startEmbeddedMongo } from '../src/index.js';

const dir = await mkdtemp(join(tmpdir(), 'embedded-mongo-h2-'));
after(() => rm(dir, { recursive: true, force: true }));

const schema = new Schema({ sku: { type: String, unique: true }, price: Schema.Types.Decimal128, units: Number });
schema.index({ units: 1, sku: 1 });

const productModel = (on: mongoose.Connection) => on.model('Product', schema);

async function withServer<T>(dataFile: string, use: (model: ReturnType<typeof productModel>) => Promise<T>): Promise<T> {
  const database = await startEmbeddedMongo({ backend: 'h2', dataFile });
  assert.equal(database.kind, 'embedded-h2');
  const connection = await mongoose.createConnection(database.uri, { dbName: 'shop' }).asPromise();
  try {
    return await use(productModel(connection));
  } finally {
    await connection.close();
    await database.stop();
  }
}

test('the H2 backend keeps documents and unique indexes across a restart of the launcher', async () => {
  const dataFile = join(dir, 'nested', 'store.h2');

  await withServer(dataFile, async (Product) => {
    await Product.init();
    await Product.create([
      { sku: 'kettle', price: '19.99', units: 3 },
      { sku: 'toaster', price: '24.50', units: 0 },
    ]);
    // Written immediately before stop: only a clean shutdown (MVStore closed) keeps it.
    await Product.updateOne({ sku: 'kettle' }, { $inc: { units: 4 } });
  });

  await withServer(dataFile, async (Product) => {
    const products = await Product.find().sort({ sku: 1 }).lean();
    assert.deepEqual(
      products.map((p) => [p.sku, p.price?.toString(), p.units]),
      [
        ['kettle', '19.99', 7],
        ['toaster', '24.50', 0],
      ],
    );
    await assert.rejects(Product.create({ sku: 'kettle' }), { code: 11000 });
  });
});

test('after a restart the indexes are rebuilt from the stored documents and answer queries', async () => {
  const dataFile = join(dir, 'indexes.h2');
  await withServer(dataFile, async (Product) => {
    await Product.init();
    await Product.create(Array.from({ length: 300 }, (_, n) => ({ sku: `sku-${String(n).padStart(3, '0')}`, units: n % 7 })));
    await Product.deleteOne({ sku: 'sku-010' });
  });
  await withServer(dataFile, async (Product) => {
    const lastPlan = async () => {
      const stats = await Product.db.db!.command({ meshQueryStats: 1 });
      return stats['namespaces']['shop.products'];
    };
    assert.deepEqual(
      (await Product.find({ sku: 'sku-042' }).lean()).map((p) => p.units),
      [0],
    );
    assert.equal((await lastPlan()).lastPlan, 'sku_1');
    assert.equal(await Product.findOne({ sku: 'sku-010' }).lean(), null, 'a deleted document is not in the rebuilt index');
    const fives = await Product.find({ units: 5 }).sort({ sku: -1 }).limit(3).lean();
    assert.deepEqual(
      fives.map((p) => p.sku),
      ['sku-299', 'sku-292', 'sku-285'],
    );
    const stats = await lastPlan();
    assert.equal(stats.lastPlan, 'units_1_sku_1');
    assert.equal(stats.scans, 0);
  });
});

test('a file written before unique keys moved out of it (launcher at f5777d9) opens with its documents, unique keys and indexes', async () => {
  // tests/fixtures/h2-store-f5777d9.mv.db: shop.products (unique sku_1, units_1_sku_1; kettle 7,
  // toaster 0, mixer 3) and shop.outbox (sparse pending; r1 with an event, r2 emptied, r3 without).
  const dataFile = join(dir, 'before.mv.db');
  await copyFile(fileURLToPath(new URL('fixtures/h2-store-f5777d9.mv.db', import.meta.url)), dataFile);
  for (const restart of [1, 2]) {
    const database = await startEmbeddedMongo({ backend: 'h2', dataFile });
    const client = await new MongoClient(database.uri).connect();
    try {
      const shop = client.db('shop');
      const products = shop.collection<{ _id: string; sku: string; units: number }>('products');
      assert.deepEqual(
        await products
          .find({ units: { $gte: 3 } })
          .sort({ units: 1 })
          .toArray(),
        [
          { _id: 'p3', sku: 'mixer', units: 3 },
          { _id: 'p1', sku: 'kettle', units: 7 },
        ],
      );
      await assert.rejects(products.insertOne({ _id: `dup-${restart}`, sku: 'kettle', units: 1 }), { code: 11000 });
      await products.updateOne({ _id: 'p2' }, { $inc: { units: 1 } });
      const outbox = shop.collection('outbox');
      assert.deepEqual(await outbox.find({ 'pendingEvents.id': { $exists: true } }).toArray(), [{ _id: 'r1', pendingEvents: [{ id: 'evt-1' }] }]);
      const stats = await shop.command({ meshQueryStats: 1 });
      assert.equal(stats['namespaces']['shop.outbox'].lastPlan, 'pending');
      assert.equal(stats['namespaces']['shop.products'].scans, 0);
      assert.equal((await products.findOne({ _id: 'p2' }))?.units, restart, 'an update survives the restart');
    } finally {
      await client.close();
      await database.stop();
    }
  }
});

test('documents of every BSON type our code stores come back identical after a restart (the file stores BSON)', async () => {
  const dataFile = join(dir, 'types.mv.db');
  const document = {
    _id: new ObjectId('65a1b2c3d4e5f60718293a4b'),
    text: 'Grüße, 東京',
    int: 42,
    long: Long.fromString('9007199254740993'),
    double: 0.1,
    decimal: Decimal128.fromString('19.990'),
    date: new Date('2026-12-03T10:00:00.123Z'),
    uuid: new UUID('0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9'),
    bytes: new Binary(Buffer.from([0, 1, 2, 250])),
    nothing: null,
    yes: true,
    nested: { deeper: { list: [1, 'two', { three: 3 }], empty: [] } },
    pendingEvents: [{ id: 'evt-1', at: new Date(0) }],
  };
  const readBack = async (update?: Document) => {
    const database = await startEmbeddedMongo({ backend: 'h2', dataFile });
    const client = await new MongoClient(database.uri, { promoteLongs: false }).connect();
    try {
      const items = client.db('shop').collection('typed');
      if (update) await items.updateOne({ _id: document._id }, update);
      return await items.findOne({ _id: document._id });
    } finally {
      await client.close();
      await database.stop();
    }
  };
  const database = await startEmbeddedMongo({ backend: 'h2', dataFile });
  const client = await new MongoClient(database.uri).connect();
  await client
    .db('shop')
    .collection('typed')
    .insertOne({ ...document });
  await client.close();
  await database.stop();

  assert.deepEqual(await readBack(), document);
  // An update rewrites the page; the next start reads it back.
  await readBack({ $inc: { long: Long.fromNumber(1) }, $push: { pendingEvents: { id: 'evt-2', at: new Date(1) } } });
  assert.deepEqual(await readBack(), {
    ...document,
    long: Long.fromString('9007199254740994'),
    pendingEvents: [...document.pendingEvents, { id: 'evt-2', at: new Date(1) }],
  });
});

test('startEmbeddedMongo refuses the h2 backend without a data file', async () => {
  await assert.rejects(startEmbeddedMongo({ backend: 'h2' }), /needs a dataFile/);
});
