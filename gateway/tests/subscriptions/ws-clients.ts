import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import type { RunningHttpService } from '@mesh/server-kit';
import { ticks, type Tick } from './test-subgraphs.js';

// Real graphql-ws clients for the gateway's subscription tests: a socket per client, and a
// subscription that collects its results and can wait for them.

export const wsUrl = (gateway: RunningHttpService) => gateway.url.replace(/^http/, 'ws');

export interface Closed {
  code: number;
  reason: string;
}

export function client(gateway: RunningHttpService, token?: string): Client & { closed: Promise<Closed>; connected: Promise<boolean> } {
  let onClosed: (event: Closed) => void = () => {};
  const closed = new Promise<Closed>((resolve) => (onClosed = resolve));
  let onConnected: (connected: boolean) => void = () => {};
  const connected = new Promise<boolean>((resolve) => (onConnected = resolve));
  const created = createClient({
    url: wsUrl(gateway),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {},
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    on: {
      connected: () => onConnected(true),
      closed: (event) => {
        onConnected(false);
        onClosed(event as Closed);
      },
    },
  });
  return Object.assign(created, { closed, connected });
}

/** Collects a subscription's results; `next(n)` waits until n have arrived. */
export function subscribe(c: Client, query: string, variables: Record<string, unknown> = {}) {
  const results: FormattedExecutionResult[] = [];
  let error: unknown;
  let completed = false;
  let notify = () => {};
  const dispose = c.subscribe(
    { query, variables },
    {
      next: (value) => {
        results.push(value as FormattedExecutionResult);
        notify();
      },
      error: (err) => {
        error = err;
        notify();
      },
      complete: () => {
        completed = true;
        notify();
      },
    },
  );
  const until = async (condition: () => boolean, what: string, timeoutMs = 20_000) => {
    // patience for a loaded machine
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; results ${JSON.stringify(results)}, error ${JSON.stringify(error)}`);
      await new Promise<void>((resolve) => {
        notify = resolve;
        setTimeout(resolve, 50);
      });
    }
  };
  return {
    results,
    dispose,
    get error() {
      return error;
    },
    get completed() {
      return completed;
    },
    next: (count: number) => until(() => results.length >= count, `${count} results`),
    until: (condition: () => boolean) => until(condition, 'a matching result'),
    settled: () => until(() => completed || error !== undefined, 'the end of the subscription'),
  };
}

/** Publishes ticks until the subscription has seen one more result (the upstream subscription starts asynchronously). */
export async function publishUntilReceived(sub: ReturnType<typeof subscribe>, tick: Tick): Promise<void> {
  const before = sub.results.length;
  const deadline = Date.now() + 20_000; // patience for a loaded machine
  while (sub.results.length === before) {
    if (Date.now() > deadline) throw new Error(`no event arrived; error ${JSON.stringify(sub.error)}`);
    ticks.emit('tick', tick);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
