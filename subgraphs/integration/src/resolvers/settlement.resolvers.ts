import { money } from '@mesh/server-kit';
import type { SettlementExceptionResolvers, SettlementReportResolvers } from '../__generated__/resolvers-types.js';

export const SettlementReport: SettlementReportResolvers = {
  id: (report) => report._id,
  feeTotal: (report) => money(report.feeTotalMinor, report.currency),
  payout: (report) => money(report.payoutMinor, report.currency),
};

export const SettlementException: SettlementExceptionResolvers = {
  id: (exception) => exception._id,
  reported: (exception) => money(exception.reportedMinor, exception.currency),
  recorded: (exception) => (exception.recordedMinor === null ? null : money(exception.recordedMinor, exception.currency)),
};
