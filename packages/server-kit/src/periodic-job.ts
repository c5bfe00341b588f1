import type { Logger } from './logger.js';

/** A job that runs a pass every `intervalMs`, one pass at a time in this process. */
export interface PeriodicJob<T> {
  /** Runs one pass now, as of `now`, after this instance's running one. */
  runOnce(now?: Date): Promise<T>;
  /** Stops scheduling and waits for the running pass. */
  stop(): Promise<void>;
}

export interface PeriodicJobOptions {
  readonly intervalMs: number;
  readonly logger: Logger;
  /** Logged with the error when a pass fails (the next pass is scheduled all the same). */
  readonly failureMessage: string;
}

/**
 * Runs `pass` `intervalMs` after the previous one ended (a slow pass never overlaps the next), and
 * whenever `runOnce` asks; passes queue behind each other, and a failed one is logged, not thrown
 * to the timer. Leases across replicas are the pass's business (see createJobLease).
 */
export function startPeriodicJob<T>(pass: (now: Date) => Promise<T>, options: PeriodicJobOptions): PeriodicJob<T> {
  let running: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  function runOnce(now = new Date()): Promise<T> {
    const next = running.then(() => pass(now));
    running = next.catch((error: unknown) => options.logger.error({ err: error }, options.failureMessage));
    return next;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(
      () =>
        void runOnce()
          .catch(() => undefined)
          .finally(schedule),
      options.intervalMs,
    );
    timer.unref();
  }

  schedule();
  return {
    runOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
