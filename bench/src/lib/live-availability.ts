/**
 * availabilityChanged over graphql-ws at the gateway (as a storefront watches stock), recording
 * when each change arrived, for scenario 7's "stock movement -> availability pushed".
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

const WATCH = `subscription BenchWatchAvailability($skus: [ID!]!, $locationIds: [ID!]) {
  availabilityChanged(skus: $skus, locationIds: $locationIds) { kind sku available previousAvailable reserved onHand location { id } at }
}`;

export interface AvailabilityArrival {
  readonly sku: string;
  readonly locationId: string;
  readonly kind: string;
  readonly available: number | null;
  readonly previousAvailable: number | null;
  readonly reserved: number | null;
  readonly onHand: number | null;
  /** Date.now() when the client received it. */
  readonly receivedAt: number;
  /** The change's own instant (the server's `at`: when the level changed), epoch ms. */
  readonly changedAt: number;
}

export interface AvailabilityWatch {
  readonly arrivals: readonly AvailabilityArrival[];
  /** Errors the subscriptions ended with (none expected while watching). */
  readonly errors: readonly string[];
  close(): Promise<void>;
}

/**
 * Subscribes to `skus` at `locationIds` over one socket (200 SKUs per subscription, the API's
 * limit) and waits until the gateway acknowledged the connection and a short settle time passed,
 * so changes made afterwards are delivered.
 */
export async function watchAvailability(
  gatewayUrl: string,
  token: string,
  skus: readonly string[],
  locationIds: readonly string[],
): Promise<AvailabilityWatch> {
  const arrivals: AvailabilityArrival[] = [];
  const errors: string[] = [];
  let connected: () => void = () => {};
  const ready = new Promise<void>((resolve) => (connected = resolve));
  const client: Client = createClient({
    url: gatewayUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    connectionParams: { authorization: `Bearer ${token}` },
    on: { connected: () => connected() },
  });
  for (let start = 0; start < skus.length; start += 200) {
    client.subscribe<{
      availabilityChanged: {
        kind: string;
        sku: string | null;
        available: number | null;
        previousAvailable: number | null;
        reserved: number | null;
        onHand: number | null;
        location: { id: string } | null;
        at: string;
      };
    }>(
      { query: WATCH, variables: { skus: skus.slice(start, start + 200), locationIds } },
      {
        next: (result) => {
          const receivedAt = Date.now();
          if (result.errors?.length) errors.push(result.errors.map((error) => error.message).join('; '));
          const update = result.data?.availabilityChanged;
          if (!update?.sku || !update.location) return;
          arrivals.push({
            sku: update.sku,
            locationId: update.location.id,
            kind: update.kind,
            available: update.available,
            previousAvailable: update.previousAvailable,
            reserved: update.reserved,
            onHand: update.onHand,
            receivedAt,
            changedAt: Date.parse(update.at),
          });
        },
        error: (error) => errors.push(error instanceof Error ? error.message : JSON.stringify(error)),
        complete: () => {},
      },
    );
  }
  const timeout = setTimeout(() => errors.push('the gateway did not acknowledge the graphql-ws connection within 10 s'), 10_000);
  await Promise.race([ready, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  clearTimeout(timeout);
  if (errors.length > 0) throw new Error(`availabilityChanged: ${errors.join('; ')}`);
  // The gateway subscribes upstream once the operation arrives; give it a moment to be live.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  return {
    arrivals,
    errors,
    close: async () => {
      await client.dispose();
    },
  };
}

/** Waits until `done()` holds (checked every 20 ms); throws `what` after `timeoutMs`. */
export async function waitUntil(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
