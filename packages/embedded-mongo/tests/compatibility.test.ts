/**
 * What the product relies on from MongoDB, proven against the embedded server (memory backend)
 * through mongoose 9.12 — and what it must not rely on, because the embedded server lacks it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { Long } from 'mongodb';
import mongoose, { Schema, type Connection } from 'mongoose';

import { startEmbeddedMongo, type RunningDatabase } from '../src/index.js';

const productSchema = new Schema({
  sku: { type: String, required: true, unique: true },
  category: String,
  available: { type: Number, default: 0 },
  price: Schema.Types.Decimal128,
});
const productModel = (on: Connection) => on.model('Product', productSchema);

let database: RunningDatabase;
let connection: Connection;
let Product: ReturnType<typeof productModel>;
const commandsStarted: string[] = [];

before(async () => {
  database = await startEmbeddedMongo({ backend: 'memory', port: 0 });
  connection = await mongoose.createConnection(database.uri, { dbName: 'compatibility', monitorCommands: true }).asPromise();
  connection.getClient().on('commandStarted', (event) => commandsStarted.push(event.commandName));
  Product = productModel(connection);
});

after(async () => {
  await connection?.close();
  await database?.stop();
});

test('mongoose connects and the server reports MongoDB 5.0 with wire version 13', async () => {
  assert.equal(connection.readyState, mongoose.ConnectionStates.connected);
  const admin = connection.db!.admin();
  // The server knows only the legacy handshake name; the driver falls back to it by itself.
  const hello = await admin.command({ isMaster: 1 });
  assert.equal(hello.maxWireVersion, 13);
  const info = await admin.command({ buildInfo: 1 });
  assert.equal(info.version, '5.0.0');
  assert.deepEqual(await admin.ping(), { ok: 1 });
});

test('a unique index rejects a duplicate with E11000 (code 11000)', async () => {
  await Product.init();
  await Product.create({ sku: 'unique-1' });
  await assert.rejects(Product.create({ sku: 'unique-1' }), (error: { code?: number; message: string }) => {
    assert.equal(error.code, 11000);
    assert.match(error.message, /E11000/);
    return true;
  });
  assert.equal(await Product.countDocuments({ sku: 'unique-1' }), 1);
});

test('a conditional findOneAndUpdate returns null and leaves the document alone when its guard fails', async () => {
  const { _id } = await Product.create({ sku: 'guard-1', available: 0 });
  const guarded = { _id, available: { $gte: 1 } };

  const refused = await Product.findOneAndUpdate(guarded, { $inc: { available: -1 } }, { returnDocument: 'after' });
  assert.equal(refused, null);
  assert.equal((await Product.findById(_id).lean())?.available, 0);

  await Product.updateOne({ _id }, { $set: { available: 1 } });
  const taken = await Product.findOneAndUpdate(guarded, { $inc: { available: -1 } }, { returnDocument: 'after' });
  assert.equal(taken?.available, 0);
});

test('1,000 concurrent guarded reservations on 100 units: exactly 100 succeed and none are left', async () => {
  const { _id } = await Product.create({ sku: 'reserve-1', available: 100 });
  const results = await Promise.all(
    Array.from({ length: 1000 }, () =>
      Product.findOneAndUpdate({ _id, available: { $gte: 1 } }, { $inc: { available: -1 } }, { returnDocument: 'after' }).lean(),
    ),
  );
  const succeeded = results.filter((doc) => doc !== null);
  assert.equal(succeeded.length, 100);
  // Every success saw a distinct remaining count: no unit was handed out twice.
  assert.equal(new Set(succeeded.map((doc) => doc.available)).size, 100);
  assert.equal((await Product.findById(_id).lean())?.available, 0);
});

test('1,000 concurrent $inc updates add up exactly', async () => {
  const counters = connection.collection('counters');
  await counters.insertOne({ _id: 'hits' as never, n: 0 });
  await Promise.all(Array.from({ length: 1000 }, () => counters.updateOne({ _id: 'hits' as never }, { $inc: { n: 1 } })));
  assert.equal((await counters.findOne({ _id: 'hits' as never }))?.n, 1000);
});

test('concurrent reads never see a half-applied update', async () => {
  // The big array between a and b makes encoding slow enough to interleave with writers; the stock
  // mongo-java-server memory backend showed a !== b in about 7% of these reads.
  const docs = connection.collection('torn_reads');
  const big = Array.from({ length: 2000 }, (_, i) => ({ i, s: 'x'.repeat(20) }));
  const { insertedId: _id } = await docs.insertOne({ a: 0, big, b: 0 });
  const torn: Array<[unknown, unknown]> = [];
  await Promise.all(
    Array.from({ length: 1000 }, async (_, i) => {
      if (i % 2) return void (await docs.updateOne({ _id }, { $set: { a: i, b: i } }));
      const doc = await docs.findOne({ _id });
      if (doc?.a !== doc?.b) torn.push([doc?.a, doc?.b]);
    }),
  );
  assert.deepEqual(torn, []);
});

test('arrayFilters update only the matching array elements', async () => {
  const carts = connection.collection('carts_filters');
  const { insertedId } = await carts.insertOne({
    lines: [
      { sku: 'a', qty: 1 },
      { sku: 'b', qty: 2 },
      { sku: 'b', qty: 3 },
    ],
  });
  await carts.updateOne({ _id: insertedId }, { $set: { 'lines.$[line].qty': 10 } }, { arrayFilters: [{ 'line.sku': 'b' }] });
  const cart = await carts.findOne({ _id: insertedId });
  assert.deepEqual(cart?.lines, [
    { sku: 'a', qty: 1 },
    { sku: 'b', qty: 10 },
    { sku: 'b', qty: 10 },
  ]);
});

test('the positional $ operator updates the first matched array element', async () => {
  const carts = connection.collection('carts_positional');
  const { insertedId } = await carts.insertOne({
    lines: [
      { sku: 'a', qty: 1 },
      { sku: 'b', qty: 2 },
    ],
  });
  const result = await carts.updateOne({ _id: insertedId, 'lines.sku': 'b' }, { $inc: { 'lines.$.qty': 5 } });
  assert.equal(result.modifiedCount, 1);
  const cart = await carts.findOne({ _id: insertedId });
  assert.deepEqual(cart?.lines, [
    { sku: 'a', qty: 1 },
    { sku: 'b', qty: 7 },
  ]);
});

test('bulkWrite with upserts inserts the missing documents and updates the existing one', async () => {
  const stock = connection.collection('stock_bulk');
  await stock.insertOne({ sku: 'existing', qty: 1 });
  const upsert = (sku: string, qty: number) => ({
    updateOne: { filter: { sku }, update: { $set: { qty } }, upsert: true },
  });
  const result = await stock.bulkWrite([upsert('existing', 5), upsert('new-1', 2), upsert('new-2', 3)], { ordered: false });
  assert.equal(result.matchedCount, 1);
  assert.equal(result.modifiedCount, 1);
  assert.equal(result.upsertedCount, 2);
  const all = await stock
    .find({}, { projection: { _id: 0 } })
    .sort({ sku: 1 })
    .toArray();
  assert.deepEqual(all, [
    { sku: 'existing', qty: 5 },
    { sku: 'new-1', qty: 2 },
    { sku: 'new-2', qty: 3 },
  ]);
});

test('$in matches exactly the listed values', async () => {
  const items = connection.collection('items_in');
  await items.insertMany(['a', 'b', 'c', 'd', 'e'].map((sku) => ({ sku })));
  const found = await items
    .find({ sku: { $in: ['b', 'd', 'zzz'] } })
    .sort({ sku: 1 })
    .toArray();
  assert.deepEqual(
    found.map((doc) => doc.sku),
    ['b', 'd'],
  );
});

test('a cursor with a batch size smaller than the result fetches every document over several getMores', async () => {
  const model = connection.model('CursorItem', new Schema({ n: Number }), 'cursor_items');
  await model.insertMany(Array.from({ length: 250 }, (_, n) => ({ n })));
  const getMoresBefore = commandsStarted.filter((name) => name === 'getMore').length;
  const seen: number[] = [];
  for await (const doc of model.find().sort({ n: 1 }).batchSize(20).lean().cursor()) seen.push(doc.n!);
  assert.deepEqual(
    seen,
    Array.from({ length: 250 }, (_, n) => n),
  );
  const getMores = commandsStarted.filter((name) => name === 'getMore').length - getMoresBefore;
  assert.ok(getMores >= 12, `expected at least 12 getMore commands, saw ${getMores}`);
});

test('$group sums per key', async () => {
  const sales = connection.collection('sales_group');
  await sales.insertMany([
    { store: 'north', amount: 10 },
    { store: 'south', amount: 5 },
    { store: 'north', amount: 7 },
  ]);
  const totals = await sales.aggregate([{ $group: { _id: '$store', total: { $sum: '$amount' }, count: { $sum: 1 } } }, { $sort: { _id: 1 } }]).toArray();
  assert.deepEqual(totals, [
    { _id: 'north', total: 17, count: 2 },
    { _id: 'south', total: 5, count: 1 },
  ]);
});

test('$lookup joins documents from another collection', async () => {
  await connection.collection('lookup_products').insertMany([
    { _id: 'p1' as never, name: 'Kettle' },
    { _id: 'p2' as never, name: 'Toaster' },
  ]);
  await connection.collection('lookup_orders').insertMany([
    { _id: 'o1' as never, productId: 'p2' },
    { _id: 'o2' as never, productId: 'missing' },
  ]);
  const joined = await connection
    .collection('lookup_orders')
    .aggregate([{ $lookup: { from: 'lookup_products', localField: 'productId', foreignField: '_id', as: 'product' } }, { $sort: { _id: 1 } }])
    .toArray();
  assert.deepEqual(joined, [
    { _id: 'o1', productId: 'p2', product: [{ _id: 'p2', name: 'Toaster' }] },
    { _id: 'o2', productId: 'missing', product: [] },
  ]);
});

test('$facet runs several pipelines over the same input', async () => {
  const items = connection.collection('items_facet');
  await items.insertMany([1, 2, 3, 4, 5].map((n) => ({ n, kind: n % 2 ? 'odd' : 'even' })));
  const [result] = await items
    .aggregate([
      {
        $facet: {
          total: [{ $count: 'n' }],
          byKind: [{ $group: { _id: '$kind', count: { $sum: 1 } } }, { $sort: { _id: 1 } }],
          top: [{ $sort: { n: -1 } }, { $limit: 2 }, { $project: { _id: 0, n: 1 } }],
        },
      },
    ])
    .toArray();
  assert.deepEqual(result, {
    total: [{ n: 5 }],
    byKind: [
      { _id: 'even', count: 2 },
      { _id: 'odd', count: 3 },
    ],
    top: [{ n: 5 }, { n: 4 }],
  });
});

test('Decimal128 values round-trip exactly and $inc on them is exact', async () => {
  const price = '12345678901234567890.12345678901234';
  const { _id } = await Product.create({ sku: 'decimal-1', price });
  const read = await Product.findById(_id).lean();
  assert.ok(read?.price instanceof mongoose.Types.Decimal128);
  assert.equal(read.price.toString(), price);
  assert.equal((await Product.findOne({ price: mongoose.Types.Decimal128.fromString(price) }))?.sku, 'decimal-1');

  // Arithmetic stays decimal: 0.1 + 0.2 is exactly 0.3, unlike with doubles.
  await Product.updateOne({ _id }, { $set: { price: '0.1' } });
  await Product.updateOne({ _id }, { $inc: { price: mongoose.Types.Decimal128.fromString('0.2') } });
  assert.equal((await Product.findById(_id).lean())?.price?.toString(), '0.3');
});

test('64-bit integers beyond 2^53 are stored, read and $inc-ed exactly', async () => {
  const model = connection.model('Ledger', new Schema({ total: Schema.Types.BigInt }), 'ledger');
  const start = 2n ** 60n + 1n;
  const { _id } = await model.create({ total: start });
  assert.equal((await model.findById(_id))?.total, start);

  await model.updateOne({ _id }, { $inc: { total: 2n ** 55n } });
  await connection.collection('ledger').updateOne({ _id }, { $inc: { total: Long.fromBigInt(1n) } });
  assert.equal((await model.findById(_id))?.total, start + 2n ** 55n + 1n);

  const raw = await connection.collection('ledger').findOne({ _id }, { promoteLongs: false });
  assert.ok(raw?.total instanceof Long, 'stored as a BSON int64');
});

test('multi-document transactions are NOT supported: the driver refuses sessions and nothing is written', async () => {
  // The server advertises no logicalSessionTimeoutMinutes, so the driver rejects any explicit session.
  const accounts = connection.collection('accounts_tx');
  const session = connection.getClient().startSession();
  try {
    await assert.rejects(
      session.withTransaction(async () => {
        await accounts.insertOne({ owner: 'a' }, { session });
        await accounts.insertOne({ owner: 'b' }, { session });
      }),
      (error: Error) => {
        assert.equal(error.name, 'MongoCompatibilityError');
        assert.match(error.message, /does not support sessions/);
        return true;
      },
    );
  } finally {
    await session.endSession();
  }
  assert.equal(await accounts.countDocuments(), 0);
});

test('change streams are NOT supported: watching a collection fails with a server error', async () => {
  const stream = connection.collection('watched').watch();
  try {
    const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('no answer in 5 s')), 5000).unref());
    await assert.rejects(Promise.race([stream.tryNext(), timeout]), (error: Error) => {
      assert.equal(error.name, 'MongoServerError');
      return true;
    });
  } finally {
    await stream.close();
  }
});
