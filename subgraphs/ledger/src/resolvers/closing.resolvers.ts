import { money } from '@mesh/server-kit';
import type { ClosedDayResolvers, JournalExportLineResolvers, JournalExportResolvers } from '../__generated__/resolvers-types.js';
import { journalCsv, journalExportView, journalJson } from '../closing/journal-export-format.js';

export const ClosedDay: ClosedDayResolvers = {
  journalExport: (closed) => journalExportView(closed),
};

export const JournalExport: JournalExportResolvers = {
  controlTotal: (view) => money(view.controlTotalMinor, view.currency),
  lines: (view) => view.lines.map((line) => ({ ...line, currency: view.currency })),
  csv: (view) => journalCsv(view),
  json: (view) => journalJson(view),
};

export const JournalExportLine: JournalExportLineResolvers = {
  account: async (line, _args, { loaders }) => {
    const account = await loaders.accountByCode.load(line.accountCode);
    if (!account) throw new Error(`export line refers to missing account ${line.accountCode}`);
    return account;
  },
  location: (line) => (line.locationId ? { id: line.locationId } : null),
  channel: (line) => line.channel || null,
  debit: (line) => money(line.debitMinor, line.currency),
  credit: (line) => money(line.creditMinor, line.currency),
  sourceLines: (line) => line.lineCount,
};
