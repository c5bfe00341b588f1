/**
 * The embedded server answers filters from the declared indexes (launcher/QueryPlanner.java). An
 * index may only narrow the candidates, never change the answer: thousands of random documents and
 * random queries over the operators our code uses are run against a collection with indexes and
 * against the same documents in one without (a scan), and must give identical documents in
 * identical order. MESH_PLANNER_SEED reproduces a failing run.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { SeededRandom } from '@mesh/seed-data';
import { Decimal128, Long, MongoClient, type Db, type Document, type Filter, type Sort } from 'mongodb';

import { startEmbeddedMongo, type RunningDatabase } from '../src/index.js';

const seed = Number(process.env['MESH_PLANNER_SEED'] ?? Date.now() % 1_000_000);
const random = new SeededRandom(seed);

let database: RunningDatabase;
let client: MongoClient;
let db: Db;

/** Documents here have string ids. */
type Stored = Document & { _id: string };

before(async () => {
  database = await startEmbeddedMongo({ backend: 'memory', port: 0 });
  client = await new MongoClient(database.uri).connect();
  db = client.db('planner_differential');
});

after(async () => {
  await client?.close();
  await database?.stop();
});

const WORDS = ['apple', 'Apple', 'pear', 'plum', 'fig', '', 'zeta', '10', '9'];
const DAY = 86_400_000;
const EPOCH = Date.UTC(2026, 0, 1);

/** A value of a mixed type, as loosely typed fields hold in real collections. */
function mixedValue(): unknown {
  return random.weighted<() => unknown>([
    [() => random.int(-3, 12), 30],
    [() => random.int(-3, 12) + 0.5, 8],
    [() => Long.fromNumber(random.int(0, 12)), 5],
    [() => Decimal128.fromString(`${random.int(0, 12)}.${random.int(0, 9)}`), 5],
    [() => random.pick(WORDS), 20],
    [() => null, 6],
    [() => new Date(EPOCH + random.int(0, 30) * DAY), 8],
    [() => random.int(0, 1) === 1, 4],
    [() => [random.int(0, 12), random.int(0, 12)], 6],
  ])();
}

function randomDocument(id: number): Stored {
  const document: Stored = { _id: `doc-${String(id).padStart(5, '0')}` };
  const maybe = (field: string, make: () => unknown, presence = 0.85) => {
    if (random.next() < presence) document[field] = make();
  };
  maybe('a', mixedValue);
  maybe('b', () => random.pick(['web', 'pos', 'app', 'market']), 0.9);
  maybe('c', () =>
    random.weighted<() => unknown>([
      [() => random.int(0, 50), 6],
      [() => new Date(EPOCH + random.int(0, 60) * DAY), 3],
      [() => null, 1],
    ])(),
  );
  maybe('n', () => (random.next() < 0.8 ? { x: mixedValue(), y: random.int(0, 3) } : [{ x: random.int(0, 12) }, { x: random.pick(WORDS) }]), 0.8);
  maybe('tags', () => (random.next() < 0.7 ? Array.from({ length: random.int(0, 4) }, () => random.pick(WORDS)) : random.pick(WORDS)), 0.7);
  maybe('s', () => random.int(0, 20), 0.3);
  if (random.next() < 0.6) document['u'] = `unique-${id}`;
  maybe('k', () => random.pick(['x', 'y', 'z']), 0.95);
  maybe('d', () => new Date(EPOCH + random.int(0, 90) * DAY));
  maybe('pe', pendingEvents, 0.5);
  return document;
}

/** An outbox's pending events: mostly an array of `{ id }` or of ids, sometimes empty, odd or not an array. */
function pendingEvents(): unknown {
  const event = () =>
    random.weighted<() => unknown>([
      [() => ({ id: `evt-${random.int(0, 40)}` }), 10],
      [() => ({}), 1],
      [() => ({ id: null }), 1],
    ])();
  return random.weighted<() => unknown>([
    [() => Array.from({ length: random.int(1, 3) }, event), 10],
    [() => Array.from({ length: random.int(1, 3) }, () => `evt-${random.int(0, 40)}`), 4],
    [() => [], 5],
    [() => event(), 2],
    [() => [[event()]], 1],
    [() => null, 1],
  ])();
}

const FIELDS = ['a', 'b', 'c', 'n.x', 'tags', 's', 'u', 'k', 'd', '_id', 'pe.id', 'pe', 'pe.0'] as const;

/** A value like the ones the field holds (often), or of any type (sometimes). */
function valueFor(field: string): unknown {
  if (random.next() < 0.2) return mixedValue();
  switch (field) {
    case '_id':
      return `doc-${String(random.int(0, 2100)).padStart(5, '0')}`;
    case 'u':
      return `unique-${random.int(0, 2100)}`;
    case 'b':
      return random.pick(['web', 'pos', 'app', 'market', 'zzz']);
    case 'k':
      return random.pick(['x', 'y', 'z']);
    case 'tags':
      return random.pick(WORDS);
    case 'pe.id':
    case 'pe.0':
      return `evt-${random.int(0, 40)}`;
    case 'c':
    case 'd':
      return random.next() < 0.5 ? random.int(0, 50) : new Date(EPOCH + random.int(0, 90) * DAY);
    default:
      return random.int(-3, 12);
  }
}

function randomCondition(field: string): unknown {
  const value = () => valueFor(field);
  return random.weighted<() => unknown>([
    [() => value(), 25],
    [() => ({ $eq: value() }), 8],
    [() => ({ $in: Array.from({ length: random.int(1, 5) }, value) }), 15],
    [() => ({ $gt: value() }), 8],
    [() => ({ $gte: value(), $lt: value() }), 14],
    [() => ({ $lte: value() }), 6],
    [() => ({ $ne: value() }), 5],
    [() => ({ $exists: random.int(0, 1) === 1 }), field.startsWith('pe') || field === 's' || field === 'u' ? 25 : 5],
    [() => ({ $nin: [value(), value()] }), 3],
    [() => ({ $in: [value(), null] }), 3],
  ])();
}

function randomFilter(): Filter<Stored> {
  const filter: Document = {};
  for (let count = random.int(0, 3); count > 0; count--) {
    const field = random.pick(FIELDS);
    filter[field] = randomCondition(field);
  }
  if (random.next() < 0.08) return { $and: [filter, { [random.pick(FIELDS)]: randomCondition('a') }] };
  if (random.next() < 0.05) return { $or: [filter, { b: 'web' }] };
  return filter;
}

function randomSort(): Sort | undefined {
  return random.weighted<() => Sort | undefined>([
    [() => undefined, 40],
    [() => ({ [random.pick(['a', 'b', 'c', 'd', 'k', 's', 'u'])]: random.pick([1, -1] as const) }), 30],
    [() => ({ b: random.pick([1, -1] as const), c: random.pick([1, -1] as const) }), 15],
    [() => ({ k: random.pick([1, -1] as const), c: random.pick([1, -1] as const) }), 15],
  ])();
}

const INDEXES: { key: Document; unique?: boolean; sparse?: boolean }[] = [
  { key: { a: 1 } },
  { key: { b: 1, c: -1 } },
  { key: { 'n.x': 1 } },
  { key: { tags: 1 } },
  { key: { s: 1 }, sparse: true },
  { key: { u: 1 }, unique: true, sparse: true },
  { key: { k: 1, c: 1 } },
  { key: { d: -1 } },
  { key: { 'pe.id': 1 }, sparse: true },
  // A positional path, as the ledger's sweep of balances with pending entries asks ('pendingEntryIds.0').
  { key: { 'pe.0': 1 }, sparse: true },
];

async function queryStats(): Promise<{ indexed: number; scans: number; docsExamined: number }> {
  const stats = await db.command({ meshQueryStats: 1 });
  return stats['namespaces']['planner_differential.indexed'] ?? { indexed: 0, scans: 0, docsExamined: 0 };
}

async function compareQueries(count: number, round: string): Promise<void> {
  const indexed = db.collection<Stored>('indexed');
  const scanned = db.collection<Stored>('scanned');
  for (let query = 0; query < count; query++) {
    const filter = randomFilter();
    const sort = randomSort();
    const skip = random.next() < 0.2 ? random.int(0, 5) : 0;
    const limit = random.next() < 0.5 ? random.int(1, 20) : 0;
    const run = (collection: typeof indexed) => {
      let cursor = collection.find(filter);
      if (sort) cursor = cursor.sort(sort);
      if (skip) cursor = cursor.skip(skip);
      if (limit) cursor = cursor.limit(limit);
      return cursor.toArray();
    };
    if (query % 4 === 0) {
      // countDocuments is an aggregation ($match, $group): its $match is planned as a find's filter.
      const [countedWithIndexes, countedByScan] = await Promise.all([indexed.countDocuments(filter), scanned.countDocuments(filter)]);
      assert.equal(countedWithIndexes, countedByScan, `seed ${seed}, ${round} query ${query}: countDocuments(${JSON.stringify(filter)}) differs`);
    }
    const described = `seed ${seed}, ${round} query ${query}: find(${JSON.stringify(filter)}).sort(${JSON.stringify(sort)}).skip(${skip}).limit(${limit})`;
    const [fromIndexes, fromScan] = await Promise.all([run(indexed), run(scanned)]).catch((error: unknown) => {
      throw new Error(`${described} failed (MESH_PLANNER_SEED=${seed} reproduces it)`, { cause: error });
    });
    assert.deepEqual(fromIndexes, fromScan, `${described} differs (MESH_PLANNER_SEED=${seed} reproduces it)`);
  }
}

test(`answers from indexes equal a full scan's, documents and order, for thousands of random queries (seed ${seed})`, async () => {
  const indexed = db.collection<Stored>('indexed');
  const scanned = db.collection<Stored>('scanned');
  await indexed.createIndexes(INDEXES.map((index) => ({ ...index, name: Object.keys(index.key).join('_') })));
  const documents = Array.from({ length: 2000 }, (_, id) => randomDocument(id));
  await indexed.insertMany(documents.map((document) => ({ ...document })));
  await scanned.insertMany(documents.map((document) => ({ ...document })));
  await db.command({ meshQueryStats: 1, reset: true });

  await compareQueries(1200, 'after inserts');

  // Writes move documents between index entries: change indexed fields, delete some, add some.
  for (let change = 0; change < 400; change++) {
    const target = { _id: `doc-${String(random.int(0, 2100)).padStart(5, '0')}` };
    const kind = random.int(0, 4);
    if (kind === 0) {
      await Promise.all([indexed.deleteOne(target), scanned.deleteOne(target)]);
    } else if (kind === 1) {
      const update = { $set: { a: mixedValue(), k: random.pick(['x', 'y', 'z']), n: { x: random.int(0, 12), y: 0 } } };
      await Promise.all([indexed.updateOne(target, update), scanned.updateOne(target, update)]);
    } else if (kind === 2) {
      const update = random.next() < 0.5 ? { $unset: { tags: '', s: '' } } : { $set: { tags: [random.pick(WORDS), random.pick(WORDS)] } };
      await Promise.all([indexed.updateOne(target, update), scanned.updateOne(target, update)]);
    } else if (kind === 3) {
      // Outbox traffic: events pushed, pulled (often leaving an empty array), the field dropped.
      const id = `evt-${random.int(0, 40)}`;
      const update = random.weighted<() => Document>([
        [() => ({ $push: { pe: { id } } }), 3],
        [() => ({ $pull: { pe: { id } } }), 3],
        [() => ({ $set: { pe: [] } }), 1],
        [() => ({ $unset: { pe: '' } }), 1],
      ])();
      // $push and $pull fail alike on both collections where `pe` is not an array.
      const outcomes = await Promise.allSettled([indexed.updateOne(target, update), scanned.updateOne(target, update)]);
      assert.equal(outcomes[0].status, outcomes[1].status, `seed ${seed}: ${JSON.stringify(update)} succeeded on one collection only`);
    } else {
      const fresh = randomDocument(3000 + change);
      await Promise.all([indexed.insertOne({ ...fresh }), scanned.insertOne({ ...fresh })]);
    }
  }
  await compareQueries(1200, 'after writes');

  const stats = await queryStats();
  assert.ok(stats.indexed > stats.scans, `most queries used an index (${stats.indexed} indexed, ${stats.scans} scans)`);
});

test('a query on an indexed field examines only the documents it returns, and the stats name the index', async () => {
  const orders = db.collection<Stored>('orders');
  await orders.createIndex({ customerId: 1, placedAt: -1 }, { name: 'customer_latest' });
  await orders.insertMany(
    Array.from({ length: 5000 }, (_, n) => ({ _id: `ord-${n}`, customerId: `cus-${n % 250}`, placedAt: new Date(EPOCH + n * 60_000), total: n })),
  );
  await db.command({ meshQueryStats: 1, reset: true });
  const latest = await orders.find({ customerId: 'cus-7' }).sort({ placedAt: -1 }).limit(5).toArray();
  assert.deepEqual(
    latest.map((order) => order['_id']),
    ['ord-4757', 'ord-4507', 'ord-4257', 'ord-4007', 'ord-3757'],
  );
  const stats = (await db.command({ meshQueryStats: 1 }))['namespaces']['planner_differential.orders'];
  assert.equal(stats.lastPlan, 'customer_latest');
  assert.equal(stats.scans, 0);
  assert.ok(stats.docsExamined <= 10, `examined ${stats.docsExamined} documents for 5 returned`);
  assert.equal(await orders.countDocuments({ customerId: 'cus-7' }), 20);
  const counted = (await db.command({ meshQueryStats: 1 }))['namespaces']['planner_differential.orders'];
  assert.equal(counted.scans, 0, 'countDocuments read through the index too');
  assert.ok(
    counted.docsExamined - stats.docsExamined <= 20,
    `countDocuments examined ${counted.docsExamined - stats.docsExamined} documents for a count of 20`,
  );
});

test('an outbox sweep ($exists: true on a sparse index) examines only the documents with pending events, and $exists: false never uses the index', async () => {
  const outbox = db.collection<{ _id: string; pendingEvents?: { id: string }[] }>('outbox');
  await outbox.createIndex({ 'pendingEvents.id': 1 }, { sparse: true, name: 'pending' });
  await outbox.insertMany(
    Array.from({ length: 5000 }, (_, n) => ({
      _id: `res-${String(n).padStart(4, '0')}`,
      // Most documents published long ago: an empty array, or no field at all.
      ...(n % 250 === 0 ? { pendingEvents: [{ id: `evt-${n}` }, { id: `evt-${n}-b` }] } : n % 2 === 0 ? { pendingEvents: [] } : {}),
    })),
  );
  const sweep = async () =>
    (
      await outbox
        .find({ 'pendingEvents.id': { $exists: true } }, { projection: { pendingEvents: 1 } })
        .limit(100)
        .toArray()
    ).map((document) => document._id);
  const stats = async () => (await db.command({ meshQueryStats: 1 }))['namespaces']['planner_differential.outbox'];

  await db.command({ meshQueryStats: 1, reset: true });
  assert.deepEqual(
    await sweep(),
    Array.from({ length: 20 }, (_, n) => `res-${String(n * 250).padStart(4, '0')}`),
  );
  assert.equal((await stats()).lastPlan, 'pending');
  assert.equal((await stats()).docsExamined, 20);

  // The relay pulls what it published: an emptied array leaves the index.
  await outbox.updateOne({ _id: 'res-0250' }, { $pull: { pendingEvents: { id: { $in: ['evt-250', 'evt-250-b'] } } } });
  await outbox.updateOne({ _id: 'res-0500' }, { $unset: { pendingEvents: '' } });
  await outbox.updateOne({ _id: 'res-0002' }, { $push: { pendingEvents: { id: 'evt-late' } } });
  await db.command({ meshQueryStats: 1, reset: true });
  const swept = await sweep();
  assert.equal(swept.length, 19);
  assert.ok(swept.includes('res-0002') && !swept.includes('res-0250') && !swept.includes('res-0500'));
  assert.equal((await stats()).docsExamined, 19);

  const withoutEvents = await outbox.countDocuments({ 'pendingEvents.id': { $exists: false } });
  assert.equal((await stats()).lastPlan, 'COLLSCAN');
  // The 2,500 odd ones and the one unset; an empty array matches neither true nor false upstream.
  assert.equal(withoutEvents, 2501);
});

test("a sweep of balances with pending entries ('pendingEntryIds.0': $exists) on a sparse positional index examines only the documents it returns", async () => {
  const balances = db.collection<{ _id: string; pendingEntryIds: string[] }>('balances');
  await balances.createIndex({ 'pendingEntryIds.0': 1 }, { sparse: true, name: 'pending_entries' });
  await balances.insertMany(
    Array.from({ length: 2000 }, (_, n) => ({ _id: `acc-${String(n).padStart(4, '0')}`, pendingEntryIds: n % 100 === 0 ? [`je-${n}`, `je-${n}-b`] : [] })),
  );
  const sweep = async () =>
    (await balances.find({ 'pendingEntryIds.0': { $exists: true } }, { projection: { pendingEntryIds: 1 } }).toArray()).map((balance) => balance._id);
  const stats = async () => (await db.command({ meshQueryStats: 1 }))['namespaces']['planner_differential.balances'];

  await db.command({ meshQueryStats: 1, reset: true });
  assert.deepEqual(
    await sweep(),
    Array.from({ length: 20 }, (_, n) => `acc-${String(n * 100).padStart(4, '0')}`),
  );
  assert.equal((await stats()).lastPlan, 'pending_entries');
  assert.equal((await stats()).scans, 0);
  assert.equal((await stats()).docsExamined, 20);

  // The apply step pulls the entry it finished; the last one leaves the index, a new one joins it.
  await balances.updateOne({ _id: 'acc-0100' }, { $pull: { pendingEntryIds: 'je-100' } });
  await balances.updateOne({ _id: 'acc-0200' }, { $pull: { pendingEntryIds: { $in: ['je-200', 'je-200-b'] } } });
  await balances.updateOne({ _id: 'acc-0007', pendingEntryIds: { $ne: 'je-late' } }, { $push: { pendingEntryIds: 'je-late' } });
  await db.command({ meshQueryStats: 1, reset: true });
  const swept = await sweep();
  assert.equal(swept.length, 20);
  assert.ok(swept.includes('acc-0100') && swept.includes('acc-0007') && !swept.includes('acc-0200'));
  assert.equal((await stats()).docsExamined, 20);
  assert.equal(await balances.countDocuments({ 'pendingEntryIds.0': { $exists: false } }), 1980);
});
