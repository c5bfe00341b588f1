/**
 * Runs one bus member's deliveries with at most `limit` in flight: deliveries that share a key run
 * one at a time in the order they were started, different keys run side by side. A delivery that
 * waits behind its key counts as in flight (its ack wait is already running). Tasks must not
 * reject (the adapters settle every outcome themselves); a rejection is swallowed here.
 */
export class KeyedLanes {
  readonly #limit: number;
  /** The last task of each key still running or waiting; its lane is gone once it settles. */
  readonly #tails = new Map<string, Promise<void>>();
  #inFlight = 0;
  #waiters: (() => void)[] = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Deliveries running or waiting behind their key. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** How many more deliveries may start now. */
  get free(): number {
    return Math.max(0, this.#limit - this.#inFlight);
  }

  /** Resolves once fewer than `limit` deliveries are in flight. */
  async whenFree(): Promise<void> {
    while (this.#inFlight >= this.#limit) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  /** Resolves once nothing is in flight. */
  async idle(): Promise<void> {
    while (this.#inFlight > 0) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  /**
   * Starts `task` after the previous task of `key` settles (at once for a new key, or for an
   * undefined key: unordered). `task` is told whether it had to wait. Resolves when it settles.
   */
  run(key: string | undefined, task: (waited: boolean) => Promise<void>): Promise<void> {
    this.#inFlight += 1;
    const previous = key === undefined ? undefined : this.#tails.get(key);
    const settled = (previous ?? Promise.resolve())
      .then(() => task(previous !== undefined))
      .catch(() => undefined)
      .finally(() => {
        if (key !== undefined && this.#tails.get(key) === settled) this.#tails.delete(key);
        this.#inFlight -= 1;
        this.#waiters.splice(0).forEach((wake) => wake());
      });
    if (key !== undefined) this.#tails.set(key, settled);
    return settled;
  }
}
