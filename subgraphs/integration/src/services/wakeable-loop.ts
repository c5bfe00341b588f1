import type { Logger } from '@mesh/server-kit';
import { WakeablePause } from './wakeable-pause.js';

export interface WakeableLoop {
  /** Something new to do: cut the loop's current (or next) pause short. */
  wake(): void;
  stop(): Promise<void>;
}

export interface WakeableLoopOptions {
  readonly logger: Logger;
  /** Logged with the error (and `logFields`) when a pass throws. */
  readonly failureMessage: string;
  readonly logFields?: Readonly<Record<string, unknown>>;
  /** The pause after a failed pass, so a broken database is not hammered. */
  readonly failurePauseMs: number;
}

/**
 * Runs `pass` again and again until stopped, or until a pass answers 'done'. A pass pauses itself
 * (through `pause`) when it finds nothing to do; a wake ends that pause at once. A pass that throws
 * is logged and followed by a pause of `failurePauseMs`; the loop goes on.
 */
export function startWakeableLoop(pass: (pause: WakeablePause) => Promise<'done' | void>, options: WakeableLoopOptions): WakeableLoop {
  let running = true;
  const pause = new WakeablePause();
  const loop = (async () => {
    while (running) {
      try {
        if ((await pass(pause)) === 'done') return;
      } catch (error) {
        options.logger.error({ err: error, ...options.logFields }, options.failureMessage);
        await pause.sleep(options.failurePauseMs);
      }
    }
  })();
  return {
    wake: () => pause.wake(),
    async stop() {
      running = false;
      pause.wake();
      await loop;
    },
  };
}
