import { boundedText, badUserInput, identifier, notFound, pageSize, type Principal } from '@mesh/server-kit';
import { notOpen } from '../errors.js';
import type { IntegrationModels } from '../models/index.js';
import type { SettlementExceptionRecord, SettlementExceptionStatus } from '../models/settlement-exception.model.js';
import type { SettlementReportRecord } from '../models/settlement-report.model.js';
import { assertMayManageIntegrations, assertMayReadIntegrations } from '../access.js';

/** Settlement exceptions in one status (OPEN: the operations queue), oldest first. Analysts and admins. */
export async function listSettlementExceptions(
  models: IntegrationModels,
  principal: Principal,
  status: SettlementExceptionStatus,
  first: number | null | undefined,
): Promise<SettlementExceptionRecord[]> {
  assertMayReadIntegrations(principal);
  return models.settlementExceptions.find({ status }).sort({ status: 1, createdAt: 1 }).limit(pageSize(first)).lean<SettlementExceptionRecord[]>();
}

/** Imported settlement reports, newest first. Analysts and admins. */
export async function listSettlementReports(
  models: IntegrationModels,
  principal: Principal,
  first: number | null | undefined,
): Promise<SettlementReportRecord[]> {
  assertMayReadIntegrations(principal);
  return models.settlementReports.find().sort({ importedAt: -1 }).limit(pageSize(first)).lean<SettlementReportRecord[]>();
}

/**
 * Marks an OPEN exception RESOLVED with what was done about it (one guarded update). NOT_FOUND for
 * an unknown id, NOT_OPEN for one already resolved; nothing changes then. Admins.
 */
export async function resolveSettlementException(
  models: IntegrationModels,
  principal: Principal,
  id: string,
  resolution: string,
): Promise<SettlementExceptionRecord> {
  assertMayManageIntegrations(principal);
  const exceptionId = identifier(id, 'id');
  const note = boundedText(resolution, 'resolution', 1_000)?.trim();
  if (!note) throw badUserInput('resolution must say what was done', { argument: 'resolution' });
  const resolved = await models.settlementExceptions
    .findOneAndUpdate(
      { _id: exceptionId, status: 'OPEN' },
      { $set: { status: 'RESOLVED', resolvedAt: new Date(), resolvedBy: principal.subject ?? principal.role, resolution: note } },
      { returnDocument: 'after' },
    )
    .lean<SettlementExceptionRecord>();
  if (resolved) return resolved;
  const existing = await models.settlementExceptions.findById(exceptionId, { status: 1 }).lean<Pick<SettlementExceptionRecord, 'status'>>();
  if (!existing) throw notFound(`no settlement exception ${exceptionId}`, { argument: 'id' });
  throw notOpen(exceptionId, existing.status);
}
