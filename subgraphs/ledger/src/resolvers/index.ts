import { DateTimeScalar, LongScalar, moneyResolvers } from '@mesh/server-kit';
import type { MoneyResolvers, Resolvers } from '../__generated__/resolvers-types.js';
import { Account, TrialBalanceLine } from './account.resolvers.js';
import { ClosedDay, JournalExport, JournalExportLine } from './closing.resolvers.js';
import { DeadLetter } from './dead-letter.resolvers.js';
import { Mutation } from './mutation.resolvers.js';
import { Customer, Order } from './entity.resolvers.js';
import { JournalEntry, JournalEntryConnection, JournalLine } from './journal-entry.resolvers.js';
import { LiveKpis } from './live-kpis.resolvers.js';
import { Query } from './query.resolvers.js';
import { Trace } from './trace.resolvers.js';
import { ReconciliationGroup, ReconciliationMismatch } from './reconciliation.resolvers.js';

const Money: MoneyResolvers = moneyResolvers;

export const resolvers: Resolvers = {
  Query,
  Mutation,
  DeadLetter,
  Trace,
  LiveKpis,
  ReconciliationGroup,
  ReconciliationMismatch,
  Account,
  TrialBalanceLine,
  JournalEntry,
  JournalLine,
  JournalEntryConnection,
  ClosedDay,
  JournalExport,
  JournalExportLine,
  Order,
  Customer,
  Money,
  Long: LongScalar,
  DateTime: DateTimeScalar,
};
