/**
 * A background loop's pause between passes: `sleep(ms)` resolves after `ms` or at the next
 * `wake()`, whichever comes first; a wake while the loop is busy makes the next sleep return at once.
 */
export class WakeablePause {
  #wake: (() => void) | undefined;
  #pending = false;

  sleep(ms: number): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        this.#pending = false;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.#wake = done;
    });
  }

  wake(): void {
    if (this.#wake) this.#wake();
    else this.#pending = true;
  }
}
