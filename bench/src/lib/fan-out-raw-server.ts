/**
 * Scenario 6's baseline: the least a WebSocket fan-out can do. A plain `ws` server (its own
 * process, not pinned) that on each trigger sends one fixed message (the bytes of a graphql-ws
 * `next` our gateway sent) to every connected client, stamping the trigger with Date.now().
 * Driven over the IPC channel (fan-out-protocol.ts).
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { RawServerCommand } from './fan-out-protocol.js';

// Same options as the gateway's socket server where they matter: no compression.
const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
let message = Buffer.from('{"type":"next"}');

async function handle(command: RawServerCommand): Promise<unknown> {
  switch (command.type) {
    case 'listen':
      if (!server.address()) await new Promise((resolve) => server.once('listening', resolve));
      return `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    case 'message':
      message = Buffer.from(command.text, 'utf8');
      return null;
    case 'trigger': {
      const sentAt: number[] = [];
      for (let index = 0; index < command.count; index++) {
        sentAt.push(Date.now());
        for (const client of server.clients) client.send(message, { binary: false });
      }
      return sentAt;
    }
    case 'clients':
      return server.clients.size;
    case 'close-clients':
      for (const client of server.clients) client.terminate();
      return null;
  }
}

process.on('message', (envelope: { id: number; command: RawServerCommand }) => {
  handle(envelope.command).then(
    (result) => process.send?.({ id: envelope.id, result: result ?? null }),
    (error: unknown) => process.send?.({ id: envelope.id, error: error instanceof Error ? error.stack : String(error) }),
  );
});
process.on('disconnect', () => {
  server.close();
  process.exit(0);
});
