import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, test } from 'node:test';
import { ephemeralRangeStart, freePort } from '../src/free-port.js';

const held: Server[] = [];
after(async () => {
  await Promise.all(held.map((server) => new Promise((resolve) => server.close(resolve))));
});

const listen = (port: number) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });

test('picked ports lie below the ephemeral range, where no outgoing connection is given them, and are free', async () => {
  const rangeStart = ephemeralRangeStart();
  const picked = new Set<number>();
  for (let i = 0; i < 30; i += 1) {
    const port = await freePort();
    if (rangeStart !== null) assert.ok(port < rangeStart, `port ${port} is in the ephemeral range from ${rangeStart}`);
    assert.ok(!picked.has(port), `port ${port} was handed out while a server still listens on it`);
    picked.add(port);
    // Hold each one: a later pick must never return a port in use.
    held.push(await listen(port));
  }
});
