import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import type { Principal } from '@mesh/server-kit';
import { signDevToken } from '../../src/module.js';

/** One subscription through the gateway over a real graphql-ws socket, collecting what arrives. */
export interface LiveSubscriber<TData> {
  /** Every `next` payload, in arrival order, with the time it arrived (performance.now()). */
  readonly results: { readonly result: FormattedExecutionResult<TData>; readonly at: number }[];
  /** Set when the subscription errored (protocol error or socket close) or completed. */
  readonly ended: Promise<{ readonly kind: 'error' | 'complete'; readonly error?: unknown }>;
  /** Waits until at least `count` results arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<FormattedExecutionResult<TData>[]>;
  /** Drops the socket without a goodbye (a lost connection). */
  kill(): void;
  close(): Promise<void>;
}

/** Opens a socket to the gateway's /graphql as `principal` (anonymous when omitted) and subscribes. */
export async function subscribe<TData>(
  gatewayUrl: string,
  query: string,
  variables: Record<string, unknown>,
  principal?: Principal,
): Promise<LiveSubscriber<TData>> {
  const token = principal && principal.role !== 'anonymous' ? await signDevToken(principal) : undefined;
  const client: Client = createClient({
    url: gatewayUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
  });
  const results: { result: FormattedExecutionResult<TData>; at: number }[] = [];
  let settle: (value: { kind: 'error' | 'complete'; error?: unknown }) => void = () => {};
  const ended = new Promise<{ kind: 'error' | 'complete'; error?: unknown }>((resolve) => (settle = resolve));
  client.subscribe<TData>(
    { query, variables },
    {
      next: (result) => void results.push({ result: result as FormattedExecutionResult<TData>, at: performance.now() }),
      error: (error) => settle({ kind: 'error', error }),
      complete: () => settle({ kind: 'complete' }),
    },
  );
  return {
    results,
    ended,
    async waitFor(count, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (results.length < count) {
        if (Date.now() > deadline)
          assert.fail(`timed out waiting for ${count} events, got ${results.length}: ${JSON.stringify(results.map((entry) => entry.result))}`);
        await sleep(20);
      }
      return results.map((entry) => entry.result);
    },
    kill: () => client.terminate(),
    close: () => client.dispose() as Promise<void>,
  };
}

/** Waits until `probe` is true, failing with `what` after `timeoutMs`. */
export async function eventually(what: string, timeoutMs: number, probe: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

/** Median and maximum of a list of latencies, for a diagnostic line. */
export function latencyLine(label: string, latenciesMs: readonly number[]): string {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? NaN;
  return `${label}: n=${sorted.length} median ${Math.round(median)} ms, max ${Math.round(sorted.at(-1) ?? NaN)} ms (mutation sent -> client received)`;
}
