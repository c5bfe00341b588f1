import { money } from '@mesh/server-kit';
import type { JournalEntryConnectionResolvers, JournalEntryResolvers, JournalLineResolvers } from '../__generated__/resolvers-types.js';
import { referenceId } from '../graph-values.js';
import { requireLedgerRead } from '../access.js';

export const JournalEntry: JournalEntryResolvers = {
  __resolveReference: (reference, { principal, loaders }) => {
    requireLedgerRead(principal);
    return loaders.entryById.load(referenceId(reference.id));
  },
  id: (entry) => entry._id,
  lines: (entry) => entry.lines.map((line) => ({ ...line, currency: entry.currency })),
  order: (entry) => (entry.orderId ? { id: entry.orderId } : null),
  location: (entry) => (entry.locationId ? { id: entry.locationId } : null),
  customerId: (entry) => entry.customerId ?? null,
  channel: (entry) => entry.channel ?? null,
  reversalOf: (entry) => entry.reversalOf ?? null,
  originalPostedAt: (entry) => entry.originalPostedAt ?? null,
};

export const JournalLine: JournalLineResolvers = {
  account: async (line, _args, { loaders }) => {
    const account = await loaders.accountByCode.load(line.accountCode);
    if (!account) throw new Error(`journal line refers to missing account ${line.accountCode}`);
    return account;
  },
  debit: (line) => money(BigInt(line.debitMinor), line.currency),
  credit: (line) => money(BigInt(line.creditMinor), line.currency),
};

export const JournalEntryConnection: JournalEntryConnectionResolvers = {
  totalCount: (page) => page.totalCount(),
};
