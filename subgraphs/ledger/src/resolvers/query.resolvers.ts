import { LIVE_KPIS_ID, identifier } from '@mesh/server-kit';
import type { QueryResolvers } from '../__generated__/resolvers-types.js';
import { journalExportView } from '../closing/journal-export-format.js';
import { requireEventsRead, requireLedgerRead } from '../access.js';

export const Query: QueryResolvers = {
  accounts: (_parent, _args, { principal, ledger }) => {
    requireLedgerRead(principal);
    return ledger.accounts();
  },
  account: (_parent, { code }, { principal, loaders }) => {
    requireLedgerRead(principal);
    return loaders.accountByCode.load(identifier(code, 'code'));
  },
  trialBalance: (_parent, { asOf, currency }, { principal, ledger }) => {
    requireLedgerRead(principal);
    return ledger.trialBalance({ asOf, currency });
  },
  journalEntries: (_parent, args, { principal, ledger }) => {
    requireLedgerRead(principal);
    return ledger.listJournalEntries(args);
  },
  reconciliation: (_parent, { date, currency }, { principal, ledger }) => {
    requireLedgerRead(principal);
    return ledger.reconciliation({ date, currency });
  },
  closedDay: (_parent, { date, currency }, { principal, ledger }) => {
    requireLedgerRead(principal);
    return ledger.closedDay({ date, currency });
  },
  journalExport: async (_parent, { date, currency }, { principal, ledger }) => {
    requireLedgerRead(principal);
    return journalExportView(await ledger.journalExport({ date, currency }));
  },
  deadLetters: (_parent, { consumer, domain }, { principal, ledger }) => {
    requireEventsRead(principal);
    return ledger.deadLetters({ consumer, domain: domain ? (domain.toLowerCase() as Lowercase<typeof domain>) : null });
  },
  trace: (_parent, { correlationId }, { principal }) => {
    requireEventsRead(principal);
    return { correlationId: identifier(correlationId, 'correlationId') };
  },
  liveKpis: (_parent, _args, { principal }) => {
    requireEventsRead(principal);
    return { id: LIVE_KPIS_ID };
  },
};
