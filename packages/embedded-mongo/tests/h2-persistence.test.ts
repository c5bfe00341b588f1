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

test('startEmbeddedMongo refuses the h2 backend without a data file', async () => {
  await assert.rejects(startEmbeddedMongo({ backend: 'h2' }), /needs a dataFile/);
});
