import { setTimeout as sleep } from 'node:timers/promises';
import type { CommandChild } from './fan-out-children.js';
import { sendBurst, sendReceipt, sendSteady, type MovementTarget, type SentMovement } from './fan-out-movements.js';
import type { PhaseStats, Progress, RawServerCommand, WorkerCommand } from './fan-out-protocol.js';
import { sampleProcessTree } from './process-stats.js';

// Why: scenario 6's measured phases. Each starts when the services are idle (the previous
// phase's deliveries are not still being written), sends its events, and ends when every
// subscriber has all of them or a deadline passes (the rest count as late, never silently lost).

export type Worker = CommandChild<WorkerCommand>;
export type RawServer = CommandChild<RawServerCommand>;
export type Side = 'ours' | 'raw';
export type Load = 'steady' | 'burst';

export interface PhaseOutcome {
  readonly stats: PhaseStats;
  /** First send to last send (mutations answered, or raw triggers issued), ms. */
  readonly sendingMs: number;
  /** The phase ended this long after its last send (all delivered, or the deadline). */
  readonly waitedMs: number;
}

export interface PhasePlan {
  readonly subscribers: number;
  readonly load: Load;
  readonly count: number;
  readonly intervalMs: number;
  readonly burstInFlight: number;
  /** How long after the last send the phase may wait for deliveries. */
  readonly drainMs: number;
}

/** Waits until the processes together use under 0.15 of a core (over 300 ms), at most `maxMs`; answers whether they did. */
export async function waitIdle(pids: readonly number[], maxMs: number): Promise<boolean> {
  const deadline = Date.now() + maxMs;
  const cpu = async () => (await Promise.all(pids.map((pid) => sampleProcessTree(pid)))).reduce((sum, sample) => sum + sample.cpuSeconds, 0);
  while (Date.now() < deadline) {
    const before = await cpu();
    await sleep(300);
    if ((await cpu()) - before < 0.045) return true;
  }
  return false;
}

/** Waits until `expected` deliveries of one side arrived, at most until `deadline`. */
export async function waitDelivered(worker: Worker, side: Side, expected: number, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const progress = await worker.call<Progress>({ type: 'progress' });
    if ((side === 'ours' ? progress.ours : progress.raw) >= expected) return;
    await sleep(50);
  }
}

/** Sends movements until every subscriber got one (so every subscription is live upstream); throws on any error. */
export async function warmUp(worker: Worker, target: MovementTarget, subscribers: number, sequence: () => number): Promise<void> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    await worker.call({ type: 'reset' });
    await sendReceipt(target, sequence());
    const deadline = Date.now() + 10_000 + subscribers * 10;
    while (Date.now() < deadline) {
      const progress = await worker.call<Progress>({ type: 'progress' });
      if (progress.oursErrors > 0) throw new Error(`scenario 6: subscriber error while warming up: ${progress.firstError ?? '?'}`);
      if (progress.oursMinPerSubscriber >= 1) return;
      await sleep(100);
    }
  }
  throw new Error(`scenario 6: after 5 warm-up movements some of the ${subscribers} subscribers had received nothing`);
}

/** Movements through the gateway; deliveries keyed by the on-hand each movement left. */
export async function oursPhase(worker: Worker, target: MovementTarget, plan: PhasePlan, sequence: () => number): Promise<PhaseOutcome> {
  await worker.call({ type: 'reset' });
  const first = sequence();
  for (let index = 1; index < plan.count; index++) sequence();
  const sent: SentMovement[] =
    plan.load === 'steady' ? await sendSteady(target, first, plan.count, plan.intervalMs) : await sendBurst(target, first, plan.count, plan.burstInFlight);
  if (new Set(sent.map((movement) => movement.onHand)).size !== sent.length)
    throw new Error('scenario 6: two movements left the same on-hand; another writer touched the hot SKU');
  const lastSent = Math.max(...sent.map((movement) => movement.sentAt));
  await waitDelivered(worker, 'ours', plan.subscribers * plan.count, lastSent + plan.drainMs);
  const waitedMs = Date.now() - lastSent;
  const stats = await worker.call<PhaseStats>({ type: 'stats', which: 'ours', sentAt: sent.map((movement) => [movement.onHand, movement.sentAt] as const) });
  const sendingMs = Math.max(...sent.map((movement) => movement.sentAt + movement.answeredMs)) - Math.min(...sent.map((movement) => movement.sentAt));
  return { stats, sendingMs, waitedMs };
}

/** Triggers of the raw broadcast on the same schedule; deliveries keyed by their order. */
export async function rawPhase(worker: Worker, rawServer: RawServer, plan: PhasePlan): Promise<PhaseOutcome> {
  await worker.call({ type: 'reset' });
  const sentAt: number[] = [];
  if (plan.load === 'burst') sentAt.push(...(await rawServer.call<number[]>({ type: 'trigger', count: plan.count })));
  else {
    const started = Date.now();
    for (let index = 0; index < plan.count; index++) {
      const due = started + index * plan.intervalMs;
      if (due > Date.now()) await sleep(due - Date.now());
      sentAt.push(...(await rawServer.call<number[]>({ type: 'trigger', count: 1 })));
    }
  }
  const lastSent = Math.max(...sentAt);
  await waitDelivered(worker, 'raw', plan.subscribers * plan.count, lastSent + plan.drainMs);
  const waitedMs = Date.now() - lastSent;
  const stats = await worker.call<PhaseStats>({ type: 'stats', which: 'raw', sentAt: sentAt.map((at, index) => [index, at] as const) });
  if (stats.delivered === 0) throw new Error(`scenario 6: no raw ws client received the ${plan.load} broadcast`);
  return { stats, sendingMs: lastSent - Math.min(...sentAt), waitedMs };
}
