import { setTimeout as sleep } from 'node:timers/promises';
import { sendSpread, type MovementTarget } from './fan-out-movements.js';
import { waitDelivered, waitIdle, type Worker } from './fan-out-phases.js';
import { eventKey, type OpenResult, type PhaseStats, type Progress } from './fan-out-protocol.js';
import { sampleProcessTree } from './process-stats.js';
import { ratio, type MeasuredRatio, type ResultTable } from './scenario.js';
import { round } from './stats.js';

// Why: phases that compare gateway builds (today's and an earlier commit's, --baseline-ref), one
// build at a time on a fresh replica. Sharing one upstream subscription per group must not make
// the common store-network case slower, where almost every device watches something of its own:
// the distinct-SKU phase puts every subscriber on its own SKU (as far as the catalogue reaches)
// and moves stock on those SKUs. The same code with one SKU and no pacing is the burst, for
// before/after comparisons of the fan-out itself. Both measure delivery latency and the
// gateway's CPU per delivery.

/** What a build phase measures. */
export type BuildShape = 'distinct SKUs' | 'one SKU, burst';

export interface BuildPlan {
  readonly shape: BuildShape;
  readonly subscribers: number;
  /** The SKUs watched: subscriber i watches skus[i % length]. */
  readonly skus: readonly string[];
  /** Movements over the SKUs in turn, at `perSecond` with at most `inFlight` at once. */
  readonly movements: number;
  readonly perSecond: number;
  readonly inFlight: number;
  /** How long after the last send the phase may wait for deliveries. */
  readonly drainMs: number;
  /** Longest wait for the gateway to go quiet before the measured movements. */
  readonly idleWaitMs: number;
}

export interface BuildOutcome {
  readonly stats: PhaseStats;
  /** The gateway's CPU (user + system, its process tree) from the first measured send to the last delivery, ms. */
  readonly gatewayCpuMs: number;
  readonly cpuMsPerThousand: number;
  /**
   * The subscriber process's CPU over the same span, as a share of that span's wall time: near 1
   * it was saturated (it is pinned to one core), and then the measurement is the client's limit.
   */
  readonly clientBusyShare: number;
  readonly startedIdle: boolean;
  readonly connectMs: number;
  /** First send to last answer of the measured movements, ms. */
  readonly sendingMs: number;
}

export interface BuildGateway {
  readonly url: string;
  readonly pid: number;
}

/** Subscribers of each SKU of the plan (subscriber i watches SKU i % length). */
const subscribersOf = (plan: BuildPlan, group: number) =>
  Math.floor(plan.subscribers / plan.skus.length) + (group < plan.subscribers % plan.skus.length ? 1 : 0);

/** One movement on every SKU until every subscriber got one (every subscription live upstream); throws on any error. */
async function warmUpBuild(worker: Worker, target: MovementTarget, plan: BuildPlan, sequence: () => number): Promise<void> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    await worker.call({ type: 'reset' });
    const first = sequence();
    for (let index = 1; index < plan.skus.length; index++) sequence();
    await sendSpread(target, first, plan.skus, plan.skus.length, 1000, plan.inFlight);
    const deadline = Date.now() + 10_000 + plan.subscribers * 10;
    while (Date.now() < deadline) {
      const progress = await worker.call<Progress>({ type: 'progress' });
      if (progress.oursErrors > 0) throw new Error(`${plan.shape}: subscriber error while warming up: ${progress.firstError ?? '?'}`);
      if (progress.oursMinPerSubscriber >= 1) return;
      await sleep(100);
    }
  }
  throw new Error(`${plan.shape}: after 3 rounds of warm-up movements some of the ${plan.subscribers} subscribers had received nothing`);
}

/**
 * Opens `plan.subscribers` graphql-ws sockets on `gateway`, subscriber i on plan.skus[i % length], warms them up,
 * sends the measured movements and closes the sockets again. `query` takes `$skus` and `$locationIds`.
 */
export async function buildPhase(
  worker: Worker,
  gateway: BuildGateway,
  token: string,
  query: string,
  target: MovementTarget,
  plan: BuildPlan,
  sequence: () => number,
): Promise<BuildOutcome> {
  const opened = await worker.call<OpenResult>({
    type: 'open-ours',
    url: gateway.url,
    token,
    count: plan.subscribers,
    query,
    variables: { skus: [plan.skus[0]], locationIds: [target.locationId] },
    distinctSkus: plan.skus,
  });
  try {
    if (opened.failed > 0)
      throw new Error(`${plan.shape}: ${opened.failed} of ${plan.subscribers} graphql-ws sockets failed to open: ${opened.firstError ?? '?'}`);
    await sleep(500); // the last subscriptions reach the subgraph
    await warmUpBuild(worker, target, plan, sequence);
    const startedIdle = await waitIdle([gateway.pid], plan.idleWaitMs);
    await worker.call({ type: 'reset' });
    const first = sequence();
    for (let index = 1; index < plan.movements; index++) sequence();
    const [before, clientBefore] = await Promise.all([sampleProcessTree(gateway.pid), sampleProcessTree(worker.pid)]);
    const startedAt = Date.now();
    const sent = await sendSpread(target, first, plan.skus, plan.movements, plan.perSecond, plan.inFlight);
    const keys = sent.map((movement) => eventKey(movement.group, movement.onHand));
    if (new Set(keys).size !== keys.length) throw new Error(`${plan.shape}: two movements of one SKU left the same on-hand; another writer touched those SKUs`);
    const expected = sent.reduce((sum, movement) => sum + subscribersOf(plan, movement.group), 0);
    const lastSent = Math.max(...sent.map((movement) => movement.sentAt));
    await waitDelivered(worker, 'ours', expected, lastSent + plan.drainMs);
    const [after, clientAfter] = await Promise.all([sampleProcessTree(gateway.pid), sampleProcessTree(worker.pid)]);
    const wallMs = Date.now() - startedAt;
    const stats = await worker.call<PhaseStats>({
      type: 'stats',
      which: 'ours',
      sentAt: sent.map((movement, index) => [keys[index]!, movement.sentAt] as const),
      groups: plan.skus.length,
    });
    if (stats.duplicates > 0) throw new Error(`${plan.shape}: ${stats.duplicates} repeated deliveries; availability is delivered exactly once`);
    const gatewayCpuMs = (after.cpuSeconds - before.cpuSeconds) * 1000;
    const sendingMs = Math.max(...sent.map((movement) => movement.sentAt + movement.answeredMs)) - Math.min(...sent.map((movement) => movement.sentAt));
    const clientBusyShare = ((clientAfter.cpuSeconds - clientBefore.cpuSeconds) * 1000) / Math.max(1, wallMs);
    return {
      stats,
      gatewayCpuMs,
      cpuMsPerThousand: (gatewayCpuMs * 1000) / Math.max(1, stats.delivered),
      clientBusyShare,
      startedIdle,
      connectMs: opened.ms,
      sendingMs,
    };
  } finally {
    await worker.call({ type: 'close', which: 'ours' }).catch(() => undefined);
  }
}

/** One measured phase of one gateway build. */
export interface BuildRow extends BuildOutcome {
  /** 'today' (this checkout) or the baseline commit. */
  readonly build: string;
  readonly shape: BuildShape;
  readonly round: number;
  readonly subscribers: number;
  readonly skus: number;
}

const perRound = (rows: readonly BuildRow[], build: string, pick: (row: BuildRow) => number) =>
  [...new Set(rows.map((row) => row.round))].map((round) => pick(rows.find((row) => row.round === round && row.build === build)!));

/** The rows as a table; with a baseline, today / baseline per round and shape for p50, p99 and CPU per delivery. */
export function buildResults(rows: readonly BuildRow[], baseline: string | undefined): { table: ResultTable; ratios: MeasuredRatio[] } {
  const table: ResultTable = {
    title:
      'Gateway builds side by side (distinct: each subscriber on its own SKU at a steady rate; burst: all on one SKU; ms from mutation sent to client received; gateway CPU over the measured movements)',
    columns: [
      'phase',
      'subscribers',
      'SKUs',
      'round',
      'gateway build',
      'delivered/expected',
      'skipped/late',
      'p50',
      'p99',
      'max',
      'gateway CPU ms',
      'gateway CPU ms/1k',
      'subscriber process busy',
      'sending took',
      'started idle',
      'errors',
    ],
    rows: rows.map((row) => [
      row.shape,
      row.subscribers,
      row.skus,
      row.round,
      row.build,
      `${row.stats.delivered}/${row.stats.expected}`,
      `${row.stats.skipped}/${row.stats.late}`,
      row.stats.p50Ms,
      row.stats.p99Ms,
      row.stats.maxMs,
      round(row.gatewayCpuMs),
      round(row.cpuMsPerThousand),
      `${Math.round(row.clientBusyShare * 100)}%`,
      row.sendingMs,
      row.startedIdle ? 'yes' : 'no',
      row.stats.errors,
    ]),
  };
  if (baseline === undefined) return { table, ratios: [] };
  const noSlower = { text: '<= 1 (no slower than the baseline)', met: (value: number) => value <= 1 };
  const ratios: MeasuredRatio[] = [];
  for (const shape of [...new Set(rows.map((row) => row.shape))]) {
    const ofShape = rows.filter((row) => row.shape === shape);
    const subscribers = ofShape[0]!.subscribers;
    const versus = (pick: (row: BuildRow) => number) => {
      const today = perRound(ofShape, 'today', pick);
      return perRound(ofShape, baseline, pick).map((before, index) => (before === 0 ? Number.NaN : round(today[index]! / before)));
    };
    ratios.push(
      ratio(
        `${shape}, ${subscribers} subscribers: p99 delivery today / at ${baseline}`,
        versus((row) => row.stats.p99Ms),
        shape === 'distinct SKUs' ? noSlower : undefined,
      ),
      ratio(
        `${shape}, ${subscribers} subscribers: p50 delivery today / at ${baseline}`,
        versus((row) => row.stats.p50Ms),
      ),
      ratio(
        `${shape}, ${subscribers} subscribers: gateway CPU per delivery today / at ${baseline}`,
        versus((row) => row.cpuMsPerThousand),
        shape === 'distinct SKUs' ? noSlower : undefined,
      ),
    );
  }
  return { table, ratios };
}
