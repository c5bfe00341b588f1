import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Where picked ports start: above the well-known and registered services most hosts run. */
const LOWEST_PICKED_PORT = 10_000;
/** Random ports tried below the ephemeral range before falling back to one the OS assigns. */
const ATTEMPTS = 50;

/**
 * A port that is free right now on the loopback interface, for a server started next.
 *
 * It is picked at random below the OS's ephemeral range where the host has room there. A port
 * the OS assigns (listen on 0) comes from the ephemeral range, the same range every outgoing
 * connection's local port comes from: in the moment between this pick and the service's listen,
 * one of the many client sockets a starting mesh opens could take it (a service then exited with
 * EADDRINUSE). Below the range no client socket is ever given the port.
 */
export async function freePort(): Promise<number> {
  const below = ephemeralRangeStart();
  if (below !== null && below - LOWEST_PICKED_PORT >= 1000) {
    for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
      const candidate = LOWEST_PICKED_PORT + Math.floor(Math.random() * (below - LOWEST_PICKED_PORT));
      if ((await listenOnce(candidate)) !== null) return candidate;
    }
  }
  const assigned = await listenOnce(0);
  if (assigned === null) throw new Error('no free port on 127.0.0.1');
  return assigned;
}

/** The first port of the OS's ephemeral range (Linux), or null where it cannot be read. */
export function ephemeralRangeStart(): number | null {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return low !== undefined && Number.isInteger(low) && low > 0 ? low : null;
  } catch {
    return null;
  }
}

/** Listens on `port` (0: any) of 127.0.0.1 and closes again: the port it got, or null when it was taken. */
function listenOnce(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(null));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const got = typeof address === 'object' && address ? address.port : null;
      server.close(() => resolve(got));
    });
  });
}
