import type { LiveEvent, LiveFeed } from './live-feed.js';
import { domainOf, type Topic } from './topics.js';

/**
 * What a subscriber receives when it falls `max` updates behind (below that, every update is
 * delivered in order, so a burst or a resumed backlog arrives whole).
 * - `coalesce`: the held updates collapse to the newest per `key` (for absolute values such as
 *   availability), in the order of their newest update, so delivered cursors keep increasing;
 *   if more than `max` distinct keys are held, the stream ends with `overflow()`.
 * - `bounded`: one more update ends the stream with `overflow()` (for transitions that all
 *   matter: the client resumes from its last cursor, losing nothing).
 */
export type SlowReaderPolicy<U> =
  | { readonly kind: 'coalesce'; readonly key: (update: U) => string; readonly max: number; readonly overflow: () => Error }
  | { readonly kind: 'bounded'; readonly max: number; readonly overflow: () => Error };

export interface LiveUpdatesOptions<T extends Topic, U> {
  readonly feed: LiveFeed;
  readonly topic: T;
  /** Resume after this cursor (validated by the caller with `feed.isRetained`). */
  readonly after?: string | null;
  /** Send the current state before the changes (always sent when `after` is beyond the window). */
  readonly snapshot: boolean;
  /** The current state; each row is delivered with the cursor of the position read before it. */
  readonly readSnapshot: (cursor: string) => Promise<readonly U[]>;
  /** The update for one event, or undefined when this subscriber does not want it. */
  readonly toUpdate: (event: LiveEvent<T>) => U | undefined | Promise<U | undefined>;
  /** The marker sent first when `after` is no longer within the stream's retention. */
  readonly retentionExceeded: (cursor: string) => U;
  readonly policy: SlowReaderPolicy<U>;
  /** The value delivered (then the stream ends) when the feed fails. */
  readonly failed: (error: unknown) => Error;
}

/**
 * Snapshot, then changes, with no gap: the stream position is noted before the snapshot is read
 * and changes are read from right after it. A change made while the snapshot was read may
 * therefore arrive both in the snapshot and as a change; updates carry absolute values, so the
 * repeat is harmless (at least once). Values are the updates, or an Error as the last value
 * (slow reader, feed failure): the subscription's field resolver throws it.
 * Resolves once the start position is known, so a change made after it resolves is delivered.
 */
export async function openLiveUpdates<T extends Topic, U>(options: LiveUpdatesOptions<T, U>): Promise<AsyncIterableIterator<U | Error>> {
  const { feed, topic, policy } = options;
  const resumable = options.after ? await feed.isRetained(options.after) : false;
  const start = resumable && options.after ? options.after : await feed.position(domainOf(topic));
  const source = feed.open(topic, { after: start });
  const out = new UpdateQueue<U>(policy, () => void source.return?.());
  void (async () => {
    if (options.after && !resumable) out.push(options.retentionExceeded(start));
    if (!resumable && (options.snapshot || options.after)) for (const row of await options.readSnapshot(start)) out.push(row);
    for await (const event of source) {
      const update = await options.toUpdate(event);
      if (update !== undefined) out.push(update);
    }
  })().catch((error: unknown) => out.end(options.failed(error)));
  return out;
}

class UpdateQueue<U> implements AsyncIterableIterator<U | Error> {
  private readonly ordered: U[] = [];
  private waiting: ((result: IteratorResult<U | Error>) => void) | undefined;
  private last: Error | undefined;
  private done = false;

  constructor(
    private readonly policy: SlowReaderPolicy<U>,
    private readonly onEnd: () => void,
  ) {}

  push(update: U): void {
    if (this.done) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      return resolve({ value: update, done: false });
    }
    if (this.ordered.length >= this.policy.max && this.policy.kind === 'coalesce') this.collapse(this.policy.key);
    if (this.ordered.length >= this.policy.max) return this.end(this.policy.overflow());
    this.ordered.push(update);
  }

  /** Keeps the newest held update per key, in the order of those newest updates. */
  private collapse(key: (update: U) => string): void {
    const latest = new Map<string, U>();
    for (const update of this.ordered) {
      const name = key(update);
      latest.delete(name);
      latest.set(name, update);
    }
    this.ordered.splice(0, this.ordered.length, ...latest.values());
  }

  /** Ends the stream: what is held is still delivered, then `last` (if any), then done. */
  end(last?: Error): void {
    if (this.done) return;
    this.done = true;
    this.last = last;
    this.onEnd();
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      void this.next().then(resolve);
    }
  }

  next(): Promise<IteratorResult<U | Error>> {
    const held = this.take();
    if (held !== undefined) return Promise.resolve({ value: held, done: false });
    if (this.last) {
      const last = this.last;
      this.last = undefined;
      return Promise.resolve({ value: last, done: false });
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<U | Error>> {
    this.ordered.length = 0;
    this.last = undefined;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  private take(): U | undefined {
    return this.ordered.shift();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<U | Error> {
    return this;
  }
}
