import { randomUUID } from 'node:crypto';
import {
  connectJetStreamBus,
  createEnvelope,
  openConsumerProbe,
  type ConsumerProbe,
  type EnvelopeOf,
  type EventBus,
  type Money,
  type Topic,
  type TopicPayload,
} from '@mesh/events';
import { startNatsServer, type TestNatsServer } from '@mesh/mesh-runner';
import { retailDataset } from '@mesh/seed-data';
import { startTestDatabase, startTestSubgraph, type TestSubgraph } from '@mesh/test-kit';
import type { RunningDatabase } from '@mesh/embedded-mongo';
import { createLedgerModels, createLedgerSubgraph, LEDGER_CONSUMERS, type LedgerModels } from '../src/module.js';

/** Short retries so that a poison event is dead-lettered within a second. */
export const TEST_DELIVERY = { maxDeliver: 3, backoffMs: [50, 100], ackWaitMs: 5000 } as const;

/** A real nats-server, a real database, a ledger subgraph consuming from it, and a publisher. */
export interface LedgerEventRig {
  readonly nats: TestNatsServer;
  readonly database: RunningDatabase;
  readonly publisher: EventBus;
  /** How far the ledger's durable consumers are behind (see drainOrders). */
  readonly probe: ConsumerProbe;
  readonly dbName: string;
  subgraph: TestSubgraph;
  models: LedgerModels;
  /** Closes the running ledger process and starts a new one on the same database and consumers. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the rig with the chart of accounts only (no seed journal), so sums are exact. */
export async function startLedgerEventRig(): Promise<LedgerEventRig> {
  const [nats, database] = await Promise.all([startNatsServer(), startTestDatabase()]);
  const dbName = `test_ledger_events_${randomUUID().slice(0, 8)}`;
  const launch = async () => {
    const subgraph = await startTestSubgraph(createLedgerSubgraph({ consumerDelivery: TEST_DELIVERY, consumerLeaseMs: 5000 }), {
      mongoUri: database.uri,
      natsUrl: nats.url,
      dbName,
      seed: false,
    });
    return { subgraph, models: createLedgerModels(subgraph.connection) };
  };
  const first = await launch();
  if ((await first.models.accounts.estimatedDocumentCount()) === 0) {
    await first.models.accounts.insertMany(retailDataset().accounts.map(({ code, ...rest }) => ({ _id: code, ...rest })));
  }
  const publisher = await connectJetStreamBus({ servers: nats.url, name: 'ledger-test-publisher' });
  const probe = await openConsumerProbe(nats.url);
  const rig: LedgerEventRig = {
    nats,
    database,
    publisher,
    probe,
    dbName,
    ...first,
    async restart() {
      await rig.subgraph.close();
      Object.assign(rig, await launch());
    },
    async close() {
      await rig.subgraph.close();
      await probe.close();
      await publisher.close();
      await nats.stop();
      await database.stop();
    },
  };
  return rig;
}

export const usd = (minorUnits: number): Money => ({ minorUnits, currency: 'USD' });

/** Builds an envelope of `type` with the given fact key (and a fresh envelope id each call). */
export function envelopeOf<T extends Topic>(
  type: T,
  data: TopicPayload<T>,
  idempotencyKey: string,
  options: { correlationId?: string; occurredAt?: string } = {},
): EnvelopeOf<T> {
  return createEnvelope(type, data, {
    idempotencyKey,
    correlationId: options.correlationId ?? `corr-${idempotencyKey}`,
    ...(options.occurredAt ? { occurredAt: options.occurredAt } : {}),
  });
}

/**
 * Publishes the fact twice over: the same envelope again (the transport drops it by id) and a
 * re-created envelope of the same fact (a new id, the same idempotency key: only the consumer can tell).
 */
export async function publishTwice<T extends Topic>(bus: EventBus, envelope: EnvelopeOf<T>): Promise<void> {
  await bus.publish(envelope);
  await bus.publish(envelope);
  const { id: _id, ...rest } = envelope;
  await bus.publish(createEnvelope(envelope.type, envelope.data, { ...rest, correlationId: envelope.correlationId }) as EnvelopeOf<T>);
}

/** Polls `condition` every 25 ms until it holds; fails after `timeoutMs` naming `what`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Waits until the orders consumer has settled every order event published so far (handled, or
 * dead-lettered after its retries): nothing left to deliver, nothing unacknowledged. Events it
 * skips leave no claim, so the consumer's own position is what tells.
 */
export async function drainOrders(rig: LedgerEventRig): Promise<void> {
  await waitFor(async () => (await rig.probe.backlog(LEDGER_CONSUMERS.orders, 'order')) === 0, 'the orders consumer to settle every order event');
}

/** Sum of debits and of credits of an entry's lines. */
export function totals(entry: { lines: { debitMinor: bigint; creditMinor: bigint }[] }): { debit: bigint; credit: bigint } {
  return entry.lines.reduce((sum, line) => ({ debit: sum.debit + BigInt(line.debitMinor), credit: sum.credit + BigInt(line.creditMinor) }), {
    debit: 0n,
    credit: 0n,
  });
}

/** An entry's lines as `code:D|C:amount` strings, for exact comparisons. */
export function lineSummary(entry: { lines: { accountCode: string; debitMinor: bigint; creditMinor: bigint }[] }): string[] {
  return entry.lines.map((line) => (BigInt(line.debitMinor) > 0n ? `${line.accountCode}:D:${line.debitMinor}` : `${line.accountCode}:C:${line.creditMinor}`));
}
