import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GatewayClient } from './gateway-client.js';
import { seedHistory, type SeedHistorySummary } from './seed-history.js';

/**
 * How many orders of the plan `npm start` replays. The workflows run about 5 orders a second on a
 * 2-core machine, so the whole plan (5,000) would take some 17 minutes; 500 take under 2 (see README).
 */
export const START_HISTORY_ORDERS = 500;
/** A history for tests that need some of everything fast. */
export const SMALL_HISTORY_ORDERS = 300;

/** Which history startMesh replays, and as whom. */
export interface HistoryOption {
  /** 'small' (300 orders), 'start' (what `npm start` replays, 500), 'full' (all 5,000), or a number of plan orders. */
  readonly size: 'small' | 'start' | 'full' | number;
  /** A bearer token of an admin, minted once the gateway is up (the runner does not sign tokens itself). */
  readonly adminToken: () => Promise<string>;
  /** Orders worked on at once (default 8). */
  readonly concurrency?: number;
}

interface Marker {
  readonly state: 'running' | 'done';
  readonly orders: number;
  readonly summary?: SeedHistorySummary;
}

const MARKER = 'history-seeding.json';

/**
 * Replays the history when the order database holds no orders yet, or when a persistent data
 * directory's marker says an earlier replay did not finish (it resumes: every command repeats its
 * plan-derived idempotency key). Answers undefined when there was nothing to do.
 */
export async function replayHistoryIfNeeded(
  option: HistoryOption,
  where: { readonly gatewayUrl: string; readonly dataDir: string | undefined; readonly log: (line: string) => void },
): Promise<SeedHistorySummary | undefined> {
  const orders =
    option.size === 'small'
      ? SMALL_HISTORY_ORDERS
      : option.size === 'start'
        ? START_HISTORY_ORDERS
        : option.size === 'full'
          ? Number.POSITIVE_INFINITY
          : option.size;
  if (orders <= 0) return undefined;
  const token = await option.adminToken();
  const marker = where.dataDir ? await readMarker(where.dataDir) : undefined;
  const existing = await new GatewayClient(where.gatewayUrl, token).request<{ orders: { totalCount: number } }>(
    'countOrders',
    '{ orders(first: 1) { totalCount } }',
  );
  const resuming = marker?.state === 'running';
  if (existing.orders.totalCount > 0 && !resuming) return undefined;
  if (resuming) where.log(`history: resuming an interrupted replay (${existing.orders.totalCount} orders already there)`);
  if (where.dataDir) await writeMarker(where.dataDir, { state: 'running', orders });
  const summary = await seedHistory({
    gatewayUrl: where.gatewayUrl,
    adminToken: token,
    orders,
    log: where.log,
    ...(option.concurrency ? { concurrency: option.concurrency } : {}),
  });
  // A replay with failures stays 'running', so the next start retries what is missing.
  if (where.dataDir && summary.failures.length === 0 && !summary.aborted) await writeMarker(where.dataDir, { state: 'done', orders, summary });
  return summary;
}

async function readMarker(dataDir: string): Promise<Marker | undefined> {
  try {
    return JSON.parse(await readFile(join(dataDir, MARKER), 'utf8')) as Marker;
  } catch {
    return undefined;
  }
}

async function writeMarker(dataDir: string, marker: Marker): Promise<void> {
  await writeFile(join(dataDir, MARKER), `${JSON.stringify(marker, null, 2)}\n`);
}
