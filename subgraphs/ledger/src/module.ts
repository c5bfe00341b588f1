import { readFileSync } from 'node:fs';
import type { SubgraphModule } from '@mesh/server-kit';
import { createLedgerContext, type LedgerContext } from './context.js';
import { createLedgerModels, type LedgerModels } from './models/index.js';
import { resolvers } from './resolvers/index.js';
import { seedLedger } from './seed.js';
import { repairBalances } from './services/apply-balances.service.js';

/** The ledger subgraph as a unit: schema, resolvers, models, per-request context, seed. No side effects. */
export const ledgerSubgraph: SubgraphModule<LedgerModels, LedgerContext> = {
  name: 'ledger',
  typeDefs: readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'),
  resolvers,
  createModels: createLedgerModels,
  createContext: createLedgerContext,
  seed: async (models, logger) => {
    await seedLedger(models, logger);
    // The kit's only start-up hook, so the sweep that finishes postings a crash interrupted runs here too.
    await repairBalances(models, logger);
  },
};

export { createLedgerModels, type LedgerModels } from './models/index.js';
export { postJournalEntry, type PostJournalEntryInput, type PostingResult } from './services/post-journal-entry.service.js';
export { reverseJournalEntry, type ReverseJournalEntryInput } from './services/reverse-journal-entry.service.js';
export { repairBalances } from './services/apply-balances.service.js';
