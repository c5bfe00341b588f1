import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { WriteCoalescer } from '../../src/subscriptions/write-coalescer.js';

// Messages written to one socket in one event-loop turn: the first leaves at once, the rest are
// corked and leave together when the turn ends, each still its own WebSocket message, in order.
// A real HTTP server upgraded by ws (as the gateway's socket server does) and a real client.

let server: Server;
let serverSide: Promise<{ socket: WebSocket; stream: Duplex }>;
let client: WebSocket;
const received: string[] = [];

before(async () => {
  const sockets = new WebSocketServer({ noServer: true });
  server = createServer();
  serverSide = new Promise((resolve) => {
    server.on('upgrade', (req, stream: Duplex, head: Buffer) => sockets.handleUpgrade(req, stream, head, (socket) => resolve({ socket, stream })));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  client.on('message', (data: Buffer) => received.push(data.toString('utf8')));
  await new Promise((resolve) => client.once('open', resolve));
});

after(async () => {
  client.terminate();
  await new Promise((resolve) => server.close(resolve));
});

async function untilReceived(count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (received.length < count) {
    if (Date.now() > deadline) throw new Error(`received ${received.length} of ${count} messages`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('the first message of a turn is written at once, the later ones of the same turn are corked until it ends, and every message arrives whole and in order', async () => {
  const { socket, stream } = await serverSide;
  const coalescer = new WriteCoalescer();
  const send = (text: string) => {
    coalescer.beforeWrite(stream);
    socket.send(Buffer.from(text), { binary: false });
  };

  send('turn 1, message 1');
  assert.equal(stream.writableCorked, 0, 'the first message of a turn is not held back');
  send('turn 1, message 2');
  send('turn 1, message 3');
  assert.equal(stream.writableCorked, 1, 'later messages of the turn wait for its end');
  assert.ok(stream.writableLength > 0, 'they are buffered, not yet written');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(stream.writableCorked, 0, 'the end of the turn uncorks the socket');

  send('turn 2, message 1');
  assert.equal(stream.writableCorked, 0, 'a new turn starts uncorked again');
  send('turn 2, message 2');
  assert.equal(stream.writableCorked, 1);

  await untilReceived(5);
  assert.deepEqual(received, ['turn 1, message 1', 'turn 1, message 2', 'turn 1, message 3', 'turn 2, message 1', 'turn 2, message 2']);
  assert.equal(stream.writableCorked, 0);
});

test('a socket written once per turn is never corked', async () => {
  const { socket, stream } = await serverSide;
  const coalescer = new WriteCoalescer();
  const before = received.length;
  for (let turn = 1; turn <= 3; turn++) {
    coalescer.beforeWrite(stream);
    socket.send(Buffer.from(`single ${turn}`), { binary: false });
    assert.equal(stream.writableCorked, 0);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await untilReceived(before + 3);
  assert.deepEqual(received.slice(before), ['single 1', 'single 2', 'single 3']);
});
