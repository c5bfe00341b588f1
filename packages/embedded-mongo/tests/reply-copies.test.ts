/**
 * A query's answer is copied once, after sort, skip, limit and projection (launcher/ReplyCopies.java),
 * and a projection that only excludes top-level fields is applied by that copy instead of upstream's
 * projection. Both must answer exactly as upstream mongo-java-server as shipped (`memory-stock`, whose
 * replies are neither copied nor projected by us): random documents and random finds with every kind
 * of projection, sorts on excluded fields and batches small enough to need getMores, on both servers,
 * give identical documents in identical order. MESH_REPLY_SEED reproduces a failing run.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { SeededRandom } from '@mesh/seed-data';
import { MongoClient, type Collection, type Document } from 'mongodb';

import { startEmbeddedMongo, type RunningDatabase } from '../src/index.js';

const seed = Number(process.env['MESH_REPLY_SEED'] ?? Date.now() % 1_000_000);
const random = new SeededRandom(seed);

type Stored = Document & { _id: number };

const servers: { database: RunningDatabase; client: MongoClient }[] = [];
let ours: Collection<Stored>;
let upstream: Collection<Stored>;

before(async () => {
  for (const backend of ['memory', 'memory-stock'] as const) {
    const database = await startEmbeddedMongo({ backend, port: 0 });
    servers.push({ database, client: await new MongoClient(database.uri).connect() });
  }
  ours = servers[0]!.client.db('reply_copies').collection<Stored>('levels');
  upstream = servers[1]!.client.db('reply_copies').collection<Stored>('levels');
});

after(async () => {
  for (const { database, client } of servers) {
    await client.close();
    await database.stop();
  }
});

/** A stock-level-like document: scalars, a nested document, a list of documents (a history), some fields missing. */
function randomDocument(id: number): Stored {
  const document: Stored = { _id: id, sku: `sku-${random.int(0, 9)}` };
  if (random.next() < 0.9) document['onHand'] = random.int(0, 20);
  if (random.next() < 0.8) document['location'] = { id: `loc-${random.int(0, 4)}`, tags: [random.int(0, 3), random.int(0, 3)] };
  if (random.next() < 0.7)
    document['decisions'] = Array.from({ length: random.int(0, 6) }, (_, index) => ({ key: `k-${id}-${index}`, quantity: random.int(1, 5) }));
  if (random.next() < 0.5) document['changes'] = random.next() < 0.5 ? null : [random.int(0, 9), 'text', { nested: [1, 2] }];
  return document;
}

/** Projections our services send (top-level exclusions) and the kinds upstream's projection keeps applying. */
const PROJECTIONS: readonly (Document | null)[] = [
  null,
  { decisions: 0, changes: 0 },
  { decisions: 0 },
  { _id: 0 },
  { _id: 0, decisions: false },
  { onHand: 0, location: 0 },
  { 'location.tags': 0 },
  { sku: 1, onHand: 1 },
  { sku: 1, _id: 0 },
  { 'location.id': 1 },
];

const SORTS: readonly (Document | null)[] = [null, { _id: 1 }, { onHand: -1, _id: 1 }, { sku: 1, onHand: 1, _id: -1 }];

async function answers(
  collection: Collection<Stored>,
  filter: Document,
  projection: Document | null,
  sort: Document | null,
  skip: number,
  limit: number,
  batchSize: number,
): Promise<Document[]> {
  let cursor = collection.find(filter, { batchSize, ...(projection ? { projection } : {}) });
  // Without a sort both servers list documents in _id order here (ours by key, upstream's by insertion).
  cursor = cursor.sort(sort ?? { _id: 1 });
  if (skip) cursor = cursor.skip(skip);
  if (limit) cursor = cursor.limit(limit);
  return cursor.toArray();
}

test(`finds with projections, sorts, skips, limits and getMores answer exactly as upstream (seed ${seed})`, async () => {
  const documents = Array.from({ length: 400 }, (_, id) => randomDocument(id));
  await ours.insertMany(documents.map((document) => structuredClone(document)));
  await upstream.insertMany(documents.map((document) => structuredClone(document)));
  let compared = 0;
  for (let query = 0; query < 600; query++) {
    const filter = random.weighted<() => Document>([
      [() => ({}), 2],
      [() => ({ sku: `sku-${random.int(0, 9)}` }), 4],
      [() => ({ sku: { $in: [`sku-${random.int(0, 9)}`, `sku-${random.int(0, 9)}`] } }), 3],
      [() => ({ onHand: { $gte: random.int(0, 20) } }), 3],
      [() => ({ 'location.id': `loc-${random.int(0, 4)}` }), 2],
    ])();
    const projection = random.pick(PROJECTIONS);
    const sort = random.pick(SORTS);
    const skip = random.next() < 0.3 ? random.int(1, 10) : 0;
    const limit = random.next() < 0.5 ? random.int(1, 60) : 0;
    const batchSize = random.pick([2, 7, 101, 1000]);
    const described = `seed ${seed}, query ${query}: find(${JSON.stringify(filter)}, ${JSON.stringify(projection)}).sort(${JSON.stringify(sort)}).skip(${skip}).limit(${limit}).batchSize(${batchSize})`;
    const [fromOurs, fromUpstream] = await Promise.all([
      answers(ours, filter, projection, sort, skip, limit, batchSize),
      answers(upstream, filter, projection, sort, skip, limit, batchSize),
    ]);
    assert.deepEqual(fromOurs, fromUpstream, `${described} differs (MESH_REPLY_SEED=${seed} reproduces it)`);
    compared += fromOurs.length;
  }
  assert.ok(compared > 10_000, `only ${compared} documents were compared`);
});

test('a document read with a projection, then updated, is read again with the update and the projection', async () => {
  await ours.insertOne({ _id: 100_000, sku: 'sku-x', onHand: 5, decisions: [{ key: 'a', quantity: 1 }], location: { id: 'loc-1', tags: [1] } });
  const first = await ours.findOne({ _id: 100_000 }, { projection: { decisions: 0 } });
  assert.deepEqual(first, { _id: 100_000, sku: 'sku-x', onHand: 5, location: { id: 'loc-1', tags: [1] } });
  const untyped = servers[0]!.client.db('reply_copies').collection<{ _id: number }>('levels');
  const updated = await untyped.updateOne(
    { _id: 100_000, onHand: { $gte: 2 } },
    { $inc: { onHand: -2 }, $push: { decisions: { key: 'b', quantity: 2 }, 'location.tags': 2 } },
  );
  assert.equal(updated.modifiedCount, 1);
  const second = await ours.findOne({ _id: 100_000 }, { projection: { decisions: 0 } });
  assert.deepEqual(second, { _id: 100_000, sku: 'sku-x', onHand: 3, location: { id: 'loc-1', tags: [1, 2] } });
  const whole = await ours.findOne({ _id: 100_000 });
  assert.deepEqual(whole?.['decisions'], [
    { key: 'a', quantity: 1 },
    { key: 'b', quantity: 2 },
  ]);
});
