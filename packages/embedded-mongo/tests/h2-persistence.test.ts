import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

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
    assert.deepEqual((await Product.find({ sku: 'sku-042' }).lean()).map((p) => p.units), [0]);
    assert.equal((await lastPlan()).lastPlan, 'sku_1');
    assert.equal(await Product.findOne({ sku: 'sku-010' }).lean(), null, 'a deleted document is not in the rebuilt index');
    const fives = await Product.find({ units: 5 }).sort({ sku: -1 }).limit(3).lean();
    assert.deepEqual(fives.map((p) => p.sku), ['sku-299', 'sku-292', 'sku-285']);
    const stats = await lastPlan();
    assert.equal(stats.lastPlan, 'units_1_sku_1');
    assert.equal(stats.scans, 0);
  });
});

test('startEmbeddedMongo refuses the h2 backend without a data file', async () => {
  await assert.rejects(startEmbeddedMongo({ backend: 'h2' }), /needs a dataFile/);
});
