import { isDuplicateKey } from '@mesh/events';
import { createHash } from 'node:crypto';
import { badUserInput, identifier, type Principal } from '@mesh/server-kit';
import { settlementConflict } from '../errors.js';
import type { IntegrationModels } from '../models/index.js';
import type { SettlementExceptionRecord } from '../models/settlement-exception.model.js';
import type { SettlementReportRecord } from '../models/settlement-report.model.js';
import { assertMayManageIntegrations } from '../access.js';
import type { ServiceTarget } from '../services/service-call.js';
import { matchSettlement } from './match-settlement.js';
import { parseSettlementFile, type SettlementFile } from './settlement-file.js';
import { postSettlementToLedger, recordedPayments } from './settlement-upstream.js';

const MAX_PROVIDER_LENGTH = 32;

export interface ImportSettlementInput {
  readonly provider: string;
  readonly csv: string;
}

/**
 * Imports a payment provider's settlement report. The file is checked as a whole first
 * (INVALID_SETTLEMENT_FILE, nothing written). Then: the report is recorded once under
 * `<provider>:<settlement id>`; every capture, refund and chargeback line is matched to the order
 * domain's payment; each disagreeing line becomes an OPEN settlement exception; the fees, the
 * chargebacks and the payout are posted to the ledger, so card clearing moves by exactly the
 * captures minus the refunds the file settled. Importing the same file again changes nothing and answers with
 * the report; the same settlement id with other contents is SETTLEMENT_CONFLICT. An import cut
 * short by an outage (UPSTREAM_UNAVAILABLE) is finished by importing the same file again. Admins.
 */
export async function importSettlement(
  models: IntegrationModels,
  principal: Principal,
  input: ImportSettlementInput,
  targets: { readonly order: ServiceTarget; readonly ledger: ServiceTarget },
): Promise<SettlementReportRecord> {
  assertMayManageIntegrations(principal);
  const provider = identifier(input.provider, 'input.provider');
  // The ledger keys each posting `<provider>:<settlement id>:<line id>`, at most 128 characters in all.
  if (provider.length > MAX_PROVIDER_LENGTH) throw badUserInput(`provider must be at most ${MAX_PROVIDER_LENGTH} characters`, { argument: 'input.provider' });
  const file = parseSettlementFile(input.csv);
  const report = await recordReport(models, provider, file, createHash('sha256').update(input.csv).digest('hex'), targets.order.correlationId);
  if (report.status === 'POSTED') return report;

  const references = file.lines.filter((line) => line.reference).map((line) => line.reference);
  const match = matchSettlement(file, await recordedPayments(targets.order, references));
  const now = new Date();
  const exceptions: SettlementExceptionRecord[] = match.disagreements.map(({ line, code, message, recordedMinor }) => ({
    _id: `${report._id}:${line.lineId}`,
    reportId: report._id,
    lineId: line.lineId,
    lineType: line.type,
    reference: line.reference,
    code,
    message,
    currency: file.currency,
    reportedMinor: Number(line.grossMinor),
    recordedMinor: recordedMinor === null ? null : Number(recordedMinor),
    status: 'OPEN',
    createdAt: now,
  }));
  // Inserted once: finishing an interrupted import never reopens or rewrites an exception.
  if (exceptions.length > 0) {
    await models.settlementExceptions.bulkWrite(
      exceptions.map((exception) => ({ updateOne: { filter: { _id: exception._id }, update: { $setOnInsert: exception }, upsert: true } })),
    );
  }
  const journalEntryIds = await postSettlementToLedger(targets.ledger, provider, file, match.matchedOrders);
  const posted = await models.settlementReports
    .findOneAndUpdate(
      { _id: report._id, status: 'RECEIVED' },
      { $set: { status: 'POSTED', postedAt: new Date(), matchedLines: match.matchedLines, exceptionCount: exceptions.length, journalEntryIds } },
      { returnDocument: 'after' },
    )
    .lean<SettlementReportRecord>();
  // A concurrent import of the same file finished it first: its record is the answer.
  return posted ?? (await models.settlementReports.findById(report._id).lean<SettlementReportRecord>()) ?? report;
}

/** The report's record: inserted now, or the one an earlier import of the same file left. */
async function recordReport(
  models: IntegrationModels,
  provider: string,
  file: SettlementFile,
  fileSha256: string,
  correlationId: string,
): Promise<SettlementReportRecord> {
  const record: SettlementReportRecord = {
    _id: `${provider}:${file.settlementId}`,
    provider,
    settlementId: file.settlementId,
    currency: file.currency,
    fileSha256,
    lineCount: file.lines.length,
    feeTotalMinor: Number(file.lines.reduce((sum, line) => sum + line.feeMinor, 0n)),
    payoutMinor: Number(file.payout.netMinor),
    status: 'RECEIVED',
    importedAt: new Date(),
    matchedLines: 0,
    exceptionCount: 0,
    journalEntryIds: [],
    correlationId,
  };
  let stored: SettlementReportRecord | null;
  try {
    stored = await models.settlementReports
      .findOneAndUpdate({ _id: record._id }, { $setOnInsert: record }, { upsert: true, returnDocument: 'after' })
      .lean<SettlementReportRecord>();
  } catch (error) {
    // Two imports of one report at once: the other upsert inserted it; read that one.
    if (!isDuplicateKey(error)) throw error;
    stored = await models.settlementReports.findById(record._id).lean<SettlementReportRecord>();
  }
  if (!stored) throw new Error(`the settlement report ${record._id} was not stored`);
  if (stored.fileSha256 !== fileSha256) throw settlementConflict(record._id);
  return stored;
}
