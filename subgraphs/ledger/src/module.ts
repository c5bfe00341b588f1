import { readFileSync } from 'node:fs';
import type { SubgraphModule } from '@mesh/server-kit';
import { createLedgerContext, type LedgerContext } from './context.js';
import { startLedgerEvents } from './events.js';
import { createLedgerModels, type LedgerModels } from './models/index.js';
import { resolvers } from './resolvers/index.js';
import { createLedgerRuntime, type LedgerRuntime } from './runtime.js';
import { seedLedger } from './seed.js';
import { readLedgerSettings, type LedgerSettings } from './settings.js';

export type LedgerSubgraph = SubgraphModule<LedgerSettings, LedgerModels, LedgerRuntime, LedgerContext>;

/** The ledger subgraph in the kit's one shape; `overrides` replace settings read from the environment (tests shorten the consumers' retries). */
export function createLedgerSubgraph(overrides: Partial<LedgerSettings> = {}): LedgerSubgraph {
  return {
    name: 'ledger',
    typeDefs: readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'),
    resolvers,
    readSettings: (env) => ({ ...readLedgerSettings(env), ...overrides }),
    createModels: createLedgerModels,
    seed: seedLedger,
    createRuntime: createLedgerRuntime,
    startBackground: startLedgerEvents,
    createContext: createLedgerContext,
  };
}

/** The ledger subgraph configured from the environment, with the bus's default delivery policy. */
export const ledgerSubgraph: LedgerSubgraph = createLedgerSubgraph();

export { createLedgerModels, type LedgerModels } from './models/index.js';
export { LEDGER_CONSUMERS, type LedgerConsumerOptions } from './consumers/ledger-consumers.js';
export { readLedgerSettings, type LedgerSettings } from './settings.js';
export { postJournalEntry, type PostJournalEntryInput, type PostingResult } from './services/post-journal-entry.service.js';
export { reverseJournalEntry, type ReverseJournalEntryInput } from './services/reverse-journal-entry.service.js';
export { repairBalances } from './services/apply-balances.service.js';
