/**
 * A wake-up from request handling (a webhook route, a mutation) to a background loop of this
 * process. Nothing happens while no loop listens: the loops' own passes find the work then.
 */
export class WakeSignal<T = void> {
  readonly #listeners = new Set<(value: T) => void>();

  notify(value: T): void {
    for (const listener of this.#listeners) listener(value);
  }

  /** Returns the call that stops listening. */
  listen(listener: (value: T) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
