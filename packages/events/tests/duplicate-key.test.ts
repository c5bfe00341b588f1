import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import mongoose, { Schema, type Connection, type Model } from 'mongoose';
import { startTestDatabase, type RunningDatabase } from '@mesh/embedded-mongo';
import { insertOrReadStored, isDuplicateKey } from '../src/duplicate-key.js';

interface TicketRecord {
  _id: string;
  key: string;
  seat: number;
}

let database: RunningDatabase;
let connection: Connection;
let tickets: Model<TicketRecord>;

const insertTicket = (ticket: TicketRecord) =>
  insertOrReadStored(
    ticket,
    (attempt) => tickets.insertMany([attempt], { lean: true }),
    () => tickets.findOne({ key: ticket.key }).lean<TicketRecord>(),
    `ticket key ${ticket.key}`,
  );

describe('inserting a keyed record once', () => {
  before(async () => {
    database = await startTestDatabase();
    connection = await mongoose.createConnection(database.uri, { dbName: 'duplicate_key' }).asPromise();
    const schema = new Schema<TicketRecord>({ _id: String, key: { type: String, required: true }, seat: Number }, { versionKey: false });
    schema.index({ key: 1 }, { unique: true });
    tickets = connection.model<TicketRecord>('Ticket', schema);
    await tickets.init();
  });
  after(async () => {
    await connection?.close();
    await database?.stop();
  });

  test('the first insert writes the record; a second with the same key returns the stored one and writes nothing', async () => {
    const first = await insertTicket({ _id: 't1', key: 'k1', seat: 1 });
    assert.deepEqual(first, { record: { _id: 't1', key: 'k1', seat: 1 }, inserted: true });
    const again = await insertTicket({ _id: 't2', key: 'k1', seat: 2 });
    assert.equal(again.inserted, false);
    assert.deepEqual(again.record, { _id: 't1', key: 'k1', seat: 1 });
    assert.equal(await tickets.countDocuments({}), 1);
  });

  test('concurrent inserts with one key store one record and every caller gets it', async () => {
    const outcomes = await Promise.all([1, 2, 3, 4].map((seat) => insertTicket({ _id: `c${seat}`, key: 'k2', seat })));
    assert.equal(outcomes.filter((outcome) => outcome.inserted).length, 1);
    const stored = await tickets.find({ key: 'k2' }).lean<TicketRecord[]>();
    assert.equal(stored.length, 1);
    for (const outcome of outcomes) assert.deepEqual(outcome.record, stored[0]);
  });

  test('a failure other than a duplicate key is thrown, and a duplicate is told apart from it', async () => {
    const refusal = await tickets.insertMany([{ _id: 'd1', key: 'k1', seat: 9 }], { lean: true }).catch((error: unknown) => error);
    assert.equal(isDuplicateKey(refusal), true);
    const broken = new Error('disk full');
    await assert.rejects(
      insertOrReadStored(
        { _id: 'x', key: 'x', seat: 0 },
        () => Promise.reject(broken),
        () => Promise.resolve(null),
        'ticket key x',
      ),
      broken,
    );
    assert.equal(isDuplicateKey(broken), false);
  });

  test('a duplicate whose stored record cannot be read is an error that names the key', async () => {
    const duplicate = Object.assign(new Error('E11000 duplicate key error'), { code: 11000 });
    await assert.rejects(
      insertOrReadStored(
        { _id: 'y', key: 'y', seat: 0 },
        () => Promise.reject(duplicate),
        () => Promise.resolve(null),
        'ticket key y',
      ),
      /ticket key y collided but no stored record holds it/,
    );
  });
});
