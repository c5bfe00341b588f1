// Why: graphql-ws pulls results with `for await` and calls `return()` when the client completes
// or disconnects. An async generator cannot be interrupted while it awaits the next upstream
// event, so unsubscribing would wait for one more event; this channel ends at once and runs
// its cleanup (the upstream unsubscribe) immediately. Its buffer is bounded: a client that
// reads slower than events arrive is told so and ended rather than growing memory without limit.

export class EventChannel<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private done = false;

  /**
   * @param maxBuffered results held for a slow reader before `onOverflow` decides the last one
   * @param onReturn cleanup run once when the reader stops or the channel ends
   * @param onOverflow the final result pushed when the buffer is full (the channel then ends)
   */
  constructor(
    private readonly maxBuffered: number,
    private readonly onReturn: () => void,
    private readonly onOverflow: () => T,
  ) {}

  push(value: T): void {
    if (this.done) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value, done: false });
      return;
    }
    if (this.buffer.length >= this.maxBuffered) {
      this.buffer.push(this.onOverflow());
      this.end();
      return;
    }
    this.buffer.push(value);
  }

  /** No more values: the reader drains what is buffered, then completes. */
  end(): void {
    if (this.done) return;
    this.done = true;
    this.onReturn();
    if (this.waiting && this.buffer.length === 0) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<T>> {
    const value = this.buffer.shift();
    if (value !== undefined) return Promise.resolve({ value, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<T>> {
    this.buffer.length = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
