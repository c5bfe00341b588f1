import type { Graph } from './graph.js';
import type { Session } from './session.js';

/** What every page gets: the graph client and the session it speaks for, and where to report. */
export interface PageContext {
  readonly graph: Graph;
  readonly session: Session;
  /** Shows a message in the console's alert line (empty to clear). */
  readonly say: (message: string) => void;
}

/**
 * One page of the console: draws itself into `root` and answers a function that stops it (timers,
 * charts). `argument` is what follows the page's name in the address (`#trace/<id>`), or ''.
 */
export type Page = (root: HTMLElement, context: PageContext, argument: string) => () => void;

/** Runs `task` now and every `intervalMs` until stopped; a failing run is reported and the next one still happens. */
export function poll(task: () => Promise<void>, intervalMs: number, onError: (error: unknown) => void): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = async () => {
    try {
      await task();
    } catch (error) {
      if (!stopped) onError(error);
    }
    if (!stopped) timer = setTimeout(() => void run(), intervalMs);
  };
  void run();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
