/**
 * Runs work for one key (an order id) one at a time within this process, in arrival order. Only
 * a throughput aid for commands that end in a compare-and-set on the order (refunds, return
 * receipts): without it, N concurrent refunds of one order cost O(N^2) lost races. It guarantees
 * nothing across processes; the guarded single-document update does.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
