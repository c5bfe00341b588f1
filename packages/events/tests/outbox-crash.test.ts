import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import mongoose, { type Connection } from 'mongoose';
import { startTestDatabase } from '@mesh/embedded-mongo';
import type { RunningDatabase } from '@mesh/embedded-mongo';
import { connectJetStreamBus, createOutboxModel, type EventBus } from '../src/index.js';
import { recorder } from './support/bus-contract.js';
import { natsServerBinary, startNatsServer, type TestNatsServer } from '@mesh/mesh-runner';
import { waitFor } from './support/wait.js';
import { receipt, shelfModel } from './fixtures/shelf.js';

const DB = 'outbox_crash';
const packageDir = new URL('..', import.meta.url).pathname;

/** Runs a fixture script in its own Node process; resolves with it and its first stdout line. */
async function launch(script: string, args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', `tests/fixtures/${script}`, ...args], { cwd: packageDir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const line = await Promise.race([
    once(createInterface({ input: child.stdout }), 'line').then(([text]) => JSON.parse(text as string) as Record<string, unknown>),
    exited.then(([code]) => Promise.reject(new Error(`${script} exited with ${code} before reporting:\n${stderr}`))),
  ]);
  return { child, line, exited };
}

test('a nats-server binary is available to the crash suite', () => {
  natsServerBinary();
});

describe('a process killed between its write and its publish', () => {
  let database: RunningDatabase;
  let server: TestNatsServer;
  let connection: Connection;
  let bus: EventBus;

  before(async () => {
    [database, server] = await Promise.all([startTestDatabase(), startNatsServer()]);
    connection = await mongoose.createConnection(database.uri, { dbName: DB }).asPromise();
    bus = await connectJetStreamBus({ servers: server.url, name: 'crash-observer' });
  });
  after(async () => {
    await bus?.close();
    await connection?.close();
    await Promise.all([database?.stop(), server?.stop()]);
  });

  test('loses no event: a new relay process publishes each recorded event exactly once', async () => {
    const received = recorder();
    await bus.subscribe('inventory.stock-movement-recorded', 'crash-observer', received.handler, { backoffMs: [50] });
    /**
     * Publishes a marker and waits until the observer has it: its consumer takes the stream in
     * order, one event at a time, so what it has not seen by then was not published before the
     * marker (a fixed pause proves nothing about an event that is merely late).
     */
    let markers = 0;
    const drained = async () => {
      const marker = receipt('SKU-MARKER', 0, `marker:${++markers}`);
      await bus.publish(marker);
      await waitFor(() => received.seen.some((entry) => entry.envelope.id === marker.id), 20_000, `marker ${markers}`);
      return marker.id;
    };

    const writer = await launch('outbox-writer.ts', [database.uri, DB]);
    writer.child.kill('SIGKILL');
    const [, signal] = await writer.exited;
    assert.equal(signal, 'SIGKILL');
    const { embedded, held } = writer.line as { embedded: string; held: string };

    const shelf = await shelfModel(connection).findById('SKU-CRASH').lean();
    assert.equal(shelf?.onHand, 7, 'both state changes were written');
    assert.deepEqual(
      shelf?.pendingEvents.map((event) => event.id),
      [embedded],
      'the embedded event was written with its change',
    );
    assert.equal((await createOutboxModel(connection).findById(held).lean())?.status, 'HELD', 'the second event was held and never released');
    const first = await drained();
    assert.deepEqual(received.ids(), [first], 'nothing was published before the kill');

    const relay = await launch('outbox-relay.ts', [database.uri, DB, server.url]);
    assert.deepEqual(relay.line, { published: 2 });
    assert.equal((await relay.exited)[0], 0);
    await waitFor(() => received.seen.length === 3, 20_000, 'the two events');

    const again = await launch('outbox-relay.ts', [database.uri, DB, server.url]);
    assert.deepEqual(again.line, { published: 0 }, 'a second relay finds nothing left to publish');
    await again.exited;
    const last = await drained();
    assert.deepEqual(received.ids(), [first, embedded, held, last], 'each event was delivered exactly once, in order');
    assert.deepEqual((await shelfModel(connection).findById('SKU-CRASH').lean())?.pendingEvents, []);
    assert.equal((await createOutboxModel(connection).findById(held).lean())?.status, 'SENT');
  });
});
