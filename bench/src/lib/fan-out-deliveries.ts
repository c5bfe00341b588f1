/** Deliveries of one side since the last reset: subscriber index, event key, receive time. */
export class Deliveries {
  subscriber: number[] = [];
  key: number[] = [];
  at: number[] = [];
  perSubscriber: number[] = [];
  errors = 0;
  constructor(public size = 0) {}
  reset(): void {
    this.errors = 0;
    this.subscriber = [];
    this.key = [];
    this.at = [];
    this.perSubscriber = new Array<number>(this.size).fill(0);
  }
  add(subscriber: number, key: number, at: number): void {
    this.subscriber.push(subscriber);
    this.key.push(key);
    this.at.push(at);
    this.perSubscriber[subscriber] = (this.perSubscriber[subscriber] ?? 0) + 1;
  }
  get minPerSubscriber(): number {
    return this.size === 0 ? 0 : this.perSubscriber.reduce((min, count) => Math.min(min, count), Number.POSITIVE_INFINITY);
  }
}
