import type { DeadLetter } from '@mesh/events';
import { consumerBacklogOf, latencyKpi, type LatencyKpiValue, type RequestContext } from '@mesh/server-kit';
import { ORDER_PLACED_TO_LEDGER } from './consumers/ledger-kpis.js';
import { closeDay, type CloseDayInput } from './closing/close-day.service.js';
import { readClosedDay, readJournalExport } from './closing/journal-export.service.js';
import type { ClosedDayRecord } from './models/closed-day.model.js';
import { postSettlement, type SettlementPostingsInput } from './settlement/post-settlement.service.js';
import type { JournalEntryRecord } from './models/journal-entry.model.js';
import { createLedgerLoaders, type LedgerLoaders } from './loaders.js';
import type { AccountRecord } from './models/account.model.js';
import { listDeadLetters, replayDeadLetter, type DeadLetterFilter } from './services/dead-letters.service.js';
import { listJournalEntries } from './services/list-journal-entries.service.js';
import type { LedgerRuntime } from './runtime.js';
import { reconcileDay } from './services/reconciliation.service.js';
import { readLedgerTraceSteps, type TraceStepValue } from './services/trace.service.js';
import { trialBalance } from './services/trial-balance.service.js';

/** What ledger resolvers receive: the caller, fresh loaders, and the read use cases bound to this database. */
export interface LedgerContext extends RequestContext {
  readonly loaders: LedgerLoaders;
  readonly ledger: {
    /** The chart of accounts in code order (also primes accountByCode). */
    readonly accounts: () => Promise<AccountRecord[]>;
    readonly trialBalance: (args: Parameters<typeof trialBalance>[1]) => ReturnType<typeof trialBalance>;
    readonly listJournalEntries: (args: Parameters<typeof listJournalEntries>[1]) => ReturnType<typeof listJournalEntries>;
    readonly reconciliation: (args: Parameters<typeof reconcileDay>[1]) => ReturnType<typeof reconcileDay>;
    /** Every consumer's dead letters (the ledger is the mesh's exceptions desk). */
    readonly deadLetters: (filter: DeadLetterFilter) => Promise<DeadLetter[]>;
    readonly replayDeadLetter: (id: string) => Promise<DeadLetter>;
    /** Closes a business day as the caller (see closing/close-day.service.ts). */
    readonly closeDay: (input: Pick<CloseDayInput, 'date' | 'currency' | 'idempotencyKey'>) => Promise<ClosedDayRecord>;
    readonly closedDay: (args: Parameters<typeof readClosedDay>[1]) => Promise<ClosedDayRecord | null>;
    readonly journalExport: (args: Parameters<typeof readJournalExport>[1]) => Promise<ClosedDayRecord>;
    /** Posts a settlement's fees and payout (see settlement/post-settlement.service.ts). */
    readonly postSettlement: (input: Omit<SettlementPostingsInput, 'correlationId'>) => Promise<JournalEntryRecord[]>;
    /** The ledger's own steps of a workflow. */
    readonly traceSteps: (correlationId: string) => Promise<TraceStepValue[]>;
  };
  /** The ledger's KPIs as this process's /metrics registry holds them (Query.liveKpis). */
  readonly liveKpis: {
    readonly orderPlacedToLedger: () => Promise<LatencyKpiValue>;
    readonly consumerBacklog: () => Promise<number>;
  };
}

export function createLedgerContext(base: RequestContext, { models, bus, orderDomain, registry }: LedgerRuntime): LedgerContext {
  const loaders = createLedgerLoaders(models);
  return {
    ...base,
    loaders,
    ledger: {
      accounts: async () => {
        const rows = await models.accounts.find().sort({ _id: 1 }).lean<AccountRecord[]>();
        for (const row of rows) loaders.accountByCode.prime(row._id, row);
        return rows;
      },
      trialBalance: (args) => trialBalance(models, args),
      listJournalEntries: (args) => listJournalEntries(models, args),
      reconciliation: (args) =>
        reconcileDay(models, args, async () =>
          orderDomain ? orderDomain({ date: args.date, currency: args.currency ?? null, correlationId: base.correlationId }) : null,
        ),
      deadLetters: (filter) => listDeadLetters(bus, filter),
      replayDeadLetter: (id) => replayDeadLetter(bus, id),
      closeDay: (input) => closeDay(models, { ...input, closedBy: base.principal.subject ?? base.principal.role, correlationId: base.correlationId }),
      closedDay: (args) => readClosedDay(models, args),
      journalExport: (args) => readJournalExport(models, args),
      postSettlement: (input) => postSettlement(models, { ...input, correlationId: base.correlationId }),
      traceSteps: (correlationId) => readLedgerTraceSteps(models, correlationId),
    },
    liveKpis: {
      orderPlacedToLedger: () => latencyKpi(registry, ORDER_PLACED_TO_LEDGER),
      consumerBacklog: () => consumerBacklogOf(registry),
    },
  };
}
