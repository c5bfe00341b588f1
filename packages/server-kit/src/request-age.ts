import type { IncomingMessage } from 'node:http';

/**
 * Sent by the gateway with every subgraph fetch: milliseconds since the client's request reached
 * the gateway. An age, not a timestamp, so that the gateway's and the subgraph's clocks need not
 * agree. Under a burst a request can wait seconds in the gateway before a subgraph sees it; a
 * subgraph that bounds its answer time (placeOrder's decision wait) counts that time too.
 */
export const REQUEST_AGE_HEADER = 'x-mesh-request-age-ms';

/** Ages past this are not believed (a broken or hostile header must not make every wait zero). */
const MAX_BELIEVED_AGE_MS = 60_000;

const arrivals = new WeakMap<IncomingMessage, number>();

/** Notes when `req` reached this process (the HTTP handler calls it first; later calls keep the first time). */
export function markArrival(req: IncomingMessage, now = Date.now()): void {
  if (!arrivals.has(req)) arrivals.set(req, now);
}

/** When `req` reached this process (epoch ms); now, for a request nobody marked. */
export function arrivalOf(req: IncomingMessage): number {
  return arrivals.get(req) ?? Date.now();
}

/** The age the gateway announced for `req` (0 when absent or unbelievable). */
export function announcedAgeOf(req: IncomingMessage): number {
  const header = req.headers[REQUEST_AGE_HEADER];
  const age = Number(Array.isArray(header) ? header[0] : header);
  return Number.isFinite(age) && age > 0 && age <= MAX_BELIEVED_AGE_MS ? age : 0;
}

/** When the client's request reached the mesh (epoch ms, this process's clock): its arrival here less the age the gateway announced. */
export function receivedByMeshAt(req: IncomingMessage): number {
  return arrivalOf(req) - announcedAgeOf(req);
}
