import { after, before } from 'node:test';
import type { Connection } from 'mongoose';
import { startEmbeddedMongo, type RunningDatabase } from '@mesh/embedded-mongo';
import { connectDatabase } from '../../src/index.js';

export interface OneDocumentDatabase {
  readonly database: RunningDatabase;
  /** Connected through the kit's connectDatabase to `dbName`, whose `things` holds `{ _id: 'one' }`. */
  readonly connection: Connection;
}

/** A fresh in-memory database for the calling test file (started before its tests, stopped after them), reached through the kit. */
export function oneDocumentDatabase(dbName: string): () => OneDocumentDatabase {
  let running: OneDocumentDatabase | undefined;
  before(async () => {
    const database = await startEmbeddedMongo({ backend: 'memory' });
    const connection = await connectDatabase({ uri: database.uri, dbName });
    await connection.collection('things').insertOne({ _id: 'one' as never });
    running = { database, connection };
  });
  after(async () => {
    await running?.connection.close();
    await running?.database.stop();
  });
  return () => {
    if (!running) throw new Error('the database has not started');
    return running;
  };
}
