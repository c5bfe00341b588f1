import { connectJetStreamBus, type AnyEnvelope, type EventBus, type Topic } from '@mesh/events';

/** Test helpers for the event suites (not a test file itself). */

/** Polls `condition` every 25 ms until it holds; fails after `timeoutMs` with `what`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const INVENTORY_TOPICS = [
  'inventory.stock-movement-recorded',
  'inventory.availability-changed',
  'inventory.stock-reserved',
  'inventory.stock-reservation-rejected',
  'inventory.reservation-released',
  'inventory.reservation-committed',
] as const satisfies readonly Topic[];

/** Everything inventory publishes on the real bus, as another domain would receive it. */
export interface EventWatcher {
  readonly bus: EventBus;
  readonly seen: AnyEnvelope[];
  of<T extends Topic>(type: T, match?: (envelope: Extract<AnyEnvelope, { type: T }>) => boolean): Extract<AnyEnvelope, { type: T }>[];
  close(): Promise<void>;
}

export async function watchInventoryEvents(natsUrl: string): Promise<EventWatcher> {
  const bus = await connectJetStreamBus({ servers: natsUrl, name: 'inventory-test-watcher', fetchBatch: 50 });
  const seen: AnyEnvelope[] = [];
  await bus.subscribe(INVENTORY_TOPICS, 'inventory-test-watcher', (envelope) => {
    seen.push(envelope);
  });
  return {
    bus,
    seen,
    of: (type, match = () => true) => seen.filter((envelope): envelope is never => envelope.type === type && match(envelope as never)),
    close: () => bus.close(),
  };
}
