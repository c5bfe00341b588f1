import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

// Why: the gateway and every subgraph serve graphql-ws on the /graphql path of an HTTP server they
// already run. Accepting the upgrade and closing the sockets on shutdown is the same for both;
// what differs (who may connect, what a socket may do) stays with each server.

/** An HTTP answer to an upgrade request, sent instead of a socket. */
export interface UpgradeRefusal {
  readonly status: number;
  readonly text: string;
}

export interface SocketEndpointOptions {
  readonly server: Server;
  /** Upgrade paths served; any other path is refused with 404. */
  readonly paths: readonly string[];
  /** Largest message a client may send, in bytes. */
  readonly maxPayload: number;
  /**
   * Runs before the socket is accepted: a refusal ends the request with that HTTP status. `upgraded`
   * is the connection under the future socket (its 'close' event fires when the socket ends).
   */
  readonly admit?: (req: IncomingMessage, upgraded: Duplex) => UpgradeRefusal | undefined;
  /** Called with each accepted socket and the connection under it, before graphql-ws sees it. */
  readonly accepted?: (socket: WebSocket, upgraded: Duplex) => void;
}

export interface SocketEndpoint {
  /** The sockets to hand to graphql-ws's `useServer`. */
  readonly sockets: WebSocketServer;
  /** Stops accepting upgrades; sockets already open stay. */
  stopAccepting(): void;
  /**
   * Stops accepting, runs `dispose` (graphql-ws closing its sockets), then waits until every socket
   * has closed, terminating those that have not answered the close handshake within 2 s.
   */
  close(dispose: () => Promise<void> | void): Promise<void>;
}

/** Serves WebSocket upgrades on `paths` of the server until closed. */
export function openSocketEndpoint(options: SocketEndpointOptions): SocketEndpoint {
  const sockets = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload });
  const onUpgrade = (req: IncomingMessage, upgraded: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const refusal = options.paths.includes(path) ? options.admit?.(req, upgraded) : { status: 404, text: 'Not Found' };
    if (refusal) return refuseUpgrade(upgraded, refusal);
    sockets.handleUpgrade(req, upgraded, head, (socket) => {
      options.accepted?.(socket, upgraded);
      sockets.emit('connection', socket, req);
    });
  };
  options.server.on('upgrade', onUpgrade);
  const stopAccepting = () => void options.server.off('upgrade', onUpgrade);
  return {
    sockets,
    stopAccepting,
    async close(dispose) {
      stopAccepting();
      const open = [...sockets.clients];
      const closed = Promise.all(
        open.map((socket) => new Promise<void>((resolve) => (socket.readyState === socket.CLOSED ? resolve() : socket.once('close', () => resolve())))),
      );
      await dispose();
      // A peer that never answers the close handshake must not hold shutdown.
      const grace = setTimeout(() => open.forEach((socket) => socket.terminate()), 2000);
      await closed;
      clearTimeout(grace);
    },
  };
}

function refuseUpgrade(upgraded: Duplex, { status, text }: UpgradeRefusal): void {
  upgraded.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
