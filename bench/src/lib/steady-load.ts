/**
 * Open-loop load for scenario 7: requests start on a fixed schedule (rate per second), whether or
 * not earlier ones answered, as shoppers do; a slow mesh therefore builds a backlog instead of
 * slowing the load down.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface SteadyRun<R> {
  readonly results: R[];
  /** Sends per second actually achieved (the client's timer may fall behind the schedule). */
  readonly offeredPerSecond: number;
  /** Requests that failed in a way `tolerate` accepted (counted, not thrown). */
  readonly failed: number;
}

export async function steadyLoad<T, R>(
  items: readonly T[],
  ratePerSecond: number,
  send: (item: T, index: number) => Promise<R>,
  tolerate: (error: unknown) => boolean = () => false,
): Promise<SteadyRun<R>> {
  let failed = 0;
  const results: R[] = [];
  const failures: unknown[] = [];
  const running: Promise<void>[] = [];
  const started = performance.now();
  let lastSend = started;
  for (let index = 0; index < items.length; index++) {
    const wait = started + (index * 1000) / ratePerSecond - performance.now();
    if (wait > 0) await sleep(wait);
    lastSend = performance.now();
    // Handlers are attached at once: a failure must not become an unhandled rejection.
    running.push(
      send(items[index]!, index).then(
        (result) => void results.push(result),
        (error: unknown) => void (tolerate(error) ? failed++ : failures.push(error)),
      ),
    );
  }
  await Promise.all(running);
  if (failures.length > 0)
    throw new Error(
      `${failures.length} of ${items.length} requests failed; first: ${String(failures[0] instanceof Error ? failures[0].message : failures[0])}`,
    );
  const seconds = (lastSend - started) / 1000;
  return { results, failed, offeredPerSecond: items.length <= 1 || seconds === 0 ? ratePerSecond : (items.length - 1) / seconds };
}
