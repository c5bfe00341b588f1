/**
 * A collection is created once, whole, however its first commands interleave. mongoose sends
 * `create` (autoCreate) and `createIndexes` (autoIndex) for a new model in the background while
 * the application's first writes go out on other pooled connections; the server handles each
 * connection on its own thread.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { MongoClient, MongoServerError } from 'mongodb';

import { startEmbeddedMongo, type RunningDatabase } from '../src/index.js';

let database: RunningDatabase;
let client: MongoClient;

before(async () => {
  database = await startEmbeddedMongo({ backend: 'memory', port: 0 });
  client = await new MongoClient(database.uri, { maxPoolSize: 32, minPoolSize: 32 }).connect();
});

after(async () => {
  await client?.close();
  await database?.stop();
});

const NAMESPACE_EXISTS = 48;

/** Fires a collection's first commands at once, as mongoose does for a new model and its first write. */
async function firstCommandsAtOnce(name: string): Promise<void> {
  const db = client.db('creation_race');
  const outcomes = await Promise.allSettled([
    db.command({ create: name }),
    db.command({ createIndexes: name, indexes: [{ key: { correlationId: 1 }, name: 'correlationId_1', sparse: true }] }),
    db.collection<{ _id: string; v: number }>(name).insertOne({ _id: 'key', v: 1 }),
    db.command({ createIndexes: name, indexes: [{ key: { ref: 1 }, name: 'ref_1', unique: true, sparse: true }] }),
  ]);
  for (const outcome of outcomes) {
    if (outcome.status === 'rejected' && !(outcome.reason instanceof MongoServerError && outcome.reason.code === NAMESPACE_EXISTS)) throw outcome.reason;
  }
}

test('a new collection whose create, createIndexes and first insert race still rejects a duplicate _id with E11000 and deletes by key', async () => {
  const names = Array.from({ length: 300 }, (_, index) => `race_${index}`);
  await Promise.all(names.map(firstCommandsAtOnce));
  const failures: string[] = [];
  await Promise.all(
    names.map(async (name) => {
      const collection = client.db('creation_race').collection<{ _id: string; v: number }>(name);
      try {
        await collection.insertOne({ _id: 'key', v: 2 });
        failures.push(`${name}: a second document with the same _id was accepted`);
      } catch (error) {
        if ((error as { code?: unknown }).code !== 11000) failures.push(`${name}: duplicate _id answered ${(error as Error).message}`);
      }
      try {
        const deleted = await collection.deleteOne({ _id: 'key', v: 1 });
        if (deleted.deletedCount !== 1) failures.push(`${name}: deleteOne by _id removed ${deleted.deletedCount}`);
      } catch (error) {
        failures.push(`${name}: deleteOne by _id failed: ${(error as Error).message}`);
      }
      const left = await collection.countDocuments({});
      if (left !== 0) failures.push(`${name}: ${left} documents left`);
    }),
  );
  assert.deepEqual(failures, []);
  const listed = await client.db('creation_race').listCollections({}, { nameOnly: true }).toArray();
  assert.equal(listed.filter((entry) => entry.name.startsWith('race_')).length, names.length, 'each collection listed once');
});
