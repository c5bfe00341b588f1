/**
 * The subscribers of scenario 6, in their own process pinned to the load core (taskset): N
 * graphql-ws clients on our gateway and N plain `ws` clients on the raw broadcast server. Every
 * delivery is stamped with Date.now() on arrival (the runner stamps sends with Date.now() on the
 * same machine). Driven over the IPC channel (fan-out-protocol.ts).
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { eventKey, groupOfKey, type OpenResult, type PhaseStats, type Progress, type WorkerCommand } from './fan-out-protocol.js';
import { percentile } from './stats.js';
import { Deliveries } from './fan-out-deliveries.js';

/** Sockets being opened at once: enough to be quick, few enough not to time out the init. */
const OPENING_AT_ONCE = 100;

const ours = new Deliveries();
const raw = new Deliveries();
let oursClients: Client[] = [];
let rawSockets: WebSocket[] = [];
/** The raw messages the raw clients counted since the reset, per socket: their index is the event key. */
let rawIndex: number[] = [];
let captured: string | undefined;
/** Set while the runner closes our sockets on purpose: those closes are not errors. */
let oursClosing = false;
let firstError: string | undefined;
const noteError = (side: Deliveries, error: unknown) => {
  side.errors += 1;
  firstError ??= error instanceof Error ? error.message : JSON.stringify(error);
};

/** A ws socket that keeps the first graphql-ws `next` message's bytes (for the raw baseline). */
class CapturingWebSocket extends WebSocket {
  constructor(address: string, protocols?: string | string[]) {
    super(address, protocols);
    this.on('message', (data: Buffer, isBinary: boolean) => {
      if (captured === undefined && !isBinary && data.includes('"type":"next"')) captured = data.toString('utf8');
    });
  }
}

async function inBatches(count: number, open: (index: number) => Promise<void>): Promise<OpenResult> {
  const started = Date.now();
  let next = 0;
  let failed = 0;
  let error: string | undefined;
  const lane = async () => {
    while (next < count) {
      const index = next++;
      await open(index).catch((reason: unknown) => {
        failed += 1;
        error ??= reason instanceof Error ? reason.message : String(reason);
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(OPENING_AT_ONCE, count) }, lane));
  return { opened: count - failed, failed, firstError: error, ms: Date.now() - started };
}

async function openOurs(command: Extract<WorkerCommand, { type: 'open-ours' }>): Promise<OpenResult> {
  ours.size = command.count;
  ours.reset();
  oursClients = [];
  oursClosing = false;
  const groups = command.distinctSkus?.length ?? 1;
  return inBatches(command.count, (index) => {
    return new Promise<void>((resolve, reject) => {
      const client = createClient({
        url: command.url.replace(/^http/, 'ws'),
        webSocketImpl: index === 0 ? CapturingWebSocket : WebSocket,
        connectionParams: { authorization: `Bearer ${command.token}` },
        lazy: false,
        retryAttempts: 0,
        on: {
          connected: () => resolve(),
          closed: (event) => {
            if (!oursClosing) noteError(ours, `socket ${index} closed: ${(event as { code?: number }).code ?? '?'}`);
            reject(new Error(`socket ${index} closed before it was acknowledged`));
          },
        },
      });
      oursClients.push(client);
      client.subscribe<{ availabilityChanged: { onHand: number | null } }>(
        {
          query: command.query,
          variables: command.distinctSkus
            ? { ...command.variables, skus: [command.distinctSkus[index % command.distinctSkus.length]] }
            : { ...command.variables },
        },
        {
          next: (result) => {
            const at = Date.now();
            if (result.errors) return noteError(ours, result.errors);
            ours.add(index, eventKey(index % groups, result.data?.availabilityChanged.onHand ?? -1), at);
          },
          error: (error) => {
            if (!oursClosing) noteError(ours, error);
          },
          complete: () => {
            if (!oursClosing) noteError(ours, `subscription ${index} completed`);
          },
        },
      );
    });
  });
}

async function openRaw(command: Extract<WorkerCommand, { type: 'open-raw' }>): Promise<OpenResult> {
  raw.size = command.count;
  raw.reset();
  rawSockets = [];
  rawIndex = new Array<number>(command.count).fill(0);
  return inBatches(command.count, (index) => {
    return new Promise<void>((resolve, reject) => {
      const socket = new WebSocket(command.url, { perMessageDeflate: false });
      rawSockets.push(socket);
      socket.on('open', () => resolve());
      socket.on('error', (error) => {
        noteError(raw, error);
        reject(error);
      });
      socket.on('message', (data: Buffer) => {
        const at = Date.now();
        // Parsed as the graphql-ws client parses each message, so both sides pay the same client work.
        const message = JSON.parse(data.toString('utf8')) as { type?: string };
        if (message.type !== 'next') return noteError(raw, `unexpected raw message ${message.type}`);
        raw.add(index, rawIndex[index]!, at);
        rawIndex[index] = rawIndex[index]! + 1;
      });
    });
  });
}

function stats(side: Deliveries, sentAt: ReadonlyMap<number, number>, groups: number): PhaseStats {
  const latencies: number[] = [];
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const seen = new Set<string>();
  let unmatched = 0;
  let duplicates = 0;
  const perSubscriber = new Array<number>(side.size).fill(0);
  const highest = new Array<number>(side.size).fill(Number.NEGATIVE_INFINITY);
  for (let index = 0; index < side.at.length; index++) {
    const subscriber = side.subscriber[index]!;
    const key = side.key[index]!;
    const at = side.at[index]!;
    const sent = sentAt.get(key);
    if (sent === undefined) {
      unmatched += 1;
      continue;
    }
    const seenKey = `${subscriber}:${key}`;
    if (seen.has(seenKey)) {
      duplicates += 1;
      continue;
    }
    seen.add(seenKey);
    perSubscriber[subscriber]! += 1;
    highest[subscriber] = Math.max(highest[subscriber]!, key);
    latencies.push(at - sent);
    first.set(key, Math.min(first.get(key) ?? at, at));
    last.set(key, Math.max(last.get(key) ?? at, at));
  }
  // Events arrive in key order per subscriber: one of its group missing below the highest received
  // was skipped (coalesced or lost); one above it had not arrived yet (late).
  const keysOf = new Map<number, number[]>();
  for (const key of [...sentAt.keys()].sort((a, b) => a - b)) {
    const group = groupOfKey(key);
    const keys = keysOf.get(group) ?? [];
    keys.push(key);
    keysOf.set(group, keys);
  }
  const keysUpTo = (keys: readonly number[], key: number) => {
    let low = 0;
    let high = keys.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (keys[middle]! <= key) low = middle + 1;
      else high = middle;
    }
    return low;
  };
  let skipped = 0;
  let late = 0;
  let expected = 0;
  for (let subscriber = 0; subscriber < side.size; subscriber++) {
    const keys = keysOf.get(subscriber % groups) ?? [];
    const upTo = keysUpTo(keys, highest[subscriber]!);
    skipped += upTo - perSubscriber[subscriber]!;
    late += keys.length - upTo;
    expected += keys.length;
  }
  const spreads = [...first.entries()].map(([key, at]) => last.get(key)! - at);
  const windowStart = [...first.values()].reduce((min, at) => Math.min(min, at), Number.POSITIVE_INFINITY);
  const windowEnd = [...last.values()].reduce((max, at) => Math.max(max, at), Number.NEGATIVE_INFINITY);
  return {
    subscribers: side.size,
    events: sentAt.size,
    delivered: latencies.length,
    expected,
    unmatched,
    duplicates,
    skipped,
    late,
    errors: side.errors,
    minPerSubscriber: percentile(perSubscriber, 0),
    maxPerSubscriber: percentile(perSubscriber, 100),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: percentile(latencies, 100),
    spreadMedianMs: percentile(spreads, 50),
    spreadMaxMs: percentile(spreads, 100),
    // 1 ms floor: Date.now() resolution (a small burst may arrive within one millisecond).
    deliveriesPerSecond: latencies.length === 0 ? 0 : (latencies.length * 1000) / Math.max(1, windowEnd - windowStart),
  };
}

async function closeAll(which: 'ours' | 'raw'): Promise<void> {
  if (which === 'ours') {
    oursClosing = true;
    await Promise.all(oursClients.map((client) => client.dispose()));
    oursClients = [];
  } else {
    await Promise.all(
      rawSockets.map(
        (socket) =>
          new Promise<void>((resolve) => {
            if (socket.readyState === WebSocket.CLOSED) return resolve();
            socket.once('close', () => resolve());
            socket.close();
            setTimeout(() => socket.terminate(), 2000).unref();
          }),
      ),
    );
    rawSockets = [];
  }
}

async function handle(command: WorkerCommand): Promise<unknown> {
  switch (command.type) {
    case 'open-ours':
      return openOurs(command);
    case 'open-raw':
      return openRaw(command);
    case 'reset':
      ours.reset();
      raw.reset();
      rawIndex.fill(0);
      return null;
    case 'progress': {
      const progress: Progress = {
        ours: ours.at.length,
        raw: raw.at.length,
        oursMinPerSubscriber: ours.minPerSubscriber,
        rawMinPerSubscriber: raw.minPerSubscriber,
        oursErrors: ours.errors,
        rawErrors: raw.errors,
        firstError,
      };
      return progress;
    }
    case 'stats':
      return stats(command.which === 'ours' ? ours : raw, new Map(command.sentAt), command.groups ?? 1);
    case 'captured':
      return captured ?? null;
    case 'close':
      return closeAll(command.which);
  }
}

process.on('message', (message: { id: number; command: WorkerCommand }) => {
  handle(message.command).then(
    (result) => process.send?.({ id: message.id, result: result ?? null }),
    (error: unknown) => process.send?.({ id: message.id, error: error instanceof Error ? error.stack : String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
