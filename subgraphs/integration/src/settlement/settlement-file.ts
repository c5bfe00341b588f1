import { parse } from 'csv-parse/sync';
import type { CurrencyCode } from '@mesh/server-kit';
import { invalidSettlementFile } from '../errors.js';

/** The kinds of settlement report line the mesh understands. */
export const SETTLEMENT_LINE_TYPES = ['capture', 'refund', 'chargeback', 'fee', 'payout'] as const;
export type SettlementLineType = (typeof SETTLEMENT_LINE_TYPES)[number];

/** The columns a settlement report must have (others are ignored). */
export const SETTLEMENT_COLUMNS = ['settlement_id', 'line_id', 'type', 'reference', 'currency', 'gross', 'fee', 'net', 'booked_at'] as const;

/** One checked line of a settlement report; amounts in minor units, signed as the provider wrote them. */
export interface SettlementLine {
  /** 1-based row number in the file (the header is row 1). */
  readonly row: number;
  readonly lineId: string;
  readonly type: SettlementLineType;
  /** The merchant reference: the mesh order id the payment was taken for (empty for fees and the payout). */
  readonly reference: string;
  readonly grossMinor: bigint;
  readonly feeMinor: bigint;
  readonly netMinor: bigint;
  readonly bookedAt: Date;
}

/** A settlement report that passed every file check. */
export interface SettlementFile {
  readonly settlementId: string;
  readonly currency: CurrencyCode;
  readonly lines: readonly SettlementLine[];
  /** The payout line: what the provider paid to the bank, equal to the sum of every other line's net (the control total). */
  readonly payout: SettlementLine;
}

const MAX_LINES = 5_000;
/** Settlement and line ids: with the provider they key ledger postings, 128 characters at most. */
const ID = /^[A-Za-z0-9][A-Za-z0-9_\-.]{0,39}$/;
/** The order reference (a mesh order id, e.g. ord_<uuid>). */
const REFERENCE = /^[A-Za-z0-9][A-Za-z0-9_\-.]{0,63}$/;
const AMOUNT = /^(-)?(\d{1,15})\.(\d{2})$/;

/**
 * Parses a payment provider's settlement report (CSV, header row, comma separated, amounts with two
 * decimals and a dot) and checks it as a whole: one settlement id and one currency, unique line ids,
 * net = gross - fee on every line, signs that fit each type, exactly one payout whose net equals
 * the sum of every other line's net. Any failure throws INVALID_SETTLEMENT_FILE with a `reason`
 * and the row; nothing is read past it, and nothing is written by the caller.
 */
export function parseSettlementFile(csv: string): SettlementFile {
  let records: Record<string, string>[];
  try {
    records = parse(csv, { columns: (header: string[]) => header.map((name) => name.trim().toLowerCase()), skip_empty_lines: true, trim: true, bom: true });
  } catch (error) {
    throw invalidSettlementFile('NOT_CSV', `the file is not CSV: ${(error as Error).message}`);
  }
  if (records.length === 0) throw invalidSettlementFile('EMPTY', 'the file has no lines');
  if (records.length > MAX_LINES) throw invalidSettlementFile('TOO_MANY_LINES', `a settlement report holds at most ${MAX_LINES} lines`);
  const missing = SETTLEMENT_COLUMNS.filter((column) => !(column in records[0]!));
  if (missing.length > 0) throw invalidSettlementFile('MISSING_COLUMN', `missing column(s): ${missing.join(', ')}`);

  const first = records[0]!;
  const settlementId = first['settlement_id'] ?? '';
  const currency = first['currency'] ?? '';
  if (!ID.test(settlementId)) throw invalidSettlementFile('BAD_VALUE', 'settlement_id must be 1 to 40 letters, digits, _ - or .', 2);
  if (currency !== 'USD' && currency !== 'EUR') throw invalidSettlementFile('BAD_VALUE', `currency ${currency} is not traded (USD, EUR)`, 2);

  const seen = new Set<string>();
  const lines = records.map((record, index) => {
    const row = index + 2;
    const line = checkedLine(record, row);
    if (record['settlement_id'] !== settlementId)
      throw invalidSettlementFile('MIXED_SETTLEMENTS', `row ${row} belongs to settlement ${record['settlement_id'] ?? ''}, not ${settlementId}`, row);
    if (record['currency'] !== currency) throw invalidSettlementFile('MIXED_CURRENCIES', `row ${row} is in ${record['currency'] ?? ''}, not ${currency}`, row);
    if (seen.has(line.lineId)) throw invalidSettlementFile('DUPLICATE_LINE', `line ${line.lineId} appears twice (row ${row})`, row);
    seen.add(line.lineId);
    return line;
  });
  const payouts = lines.filter((line) => line.type === 'payout');
  if (payouts.length !== 1) throw invalidSettlementFile('PAYOUT_COUNT', `a settlement report has exactly one payout line, this one has ${payouts.length}`);
  const payout = payouts[0]!;
  const controlTotal = lines.filter((line) => line !== payout).reduce((sum, line) => sum + line.netMinor, 0n);
  if (controlTotal !== payout.netMinor) {
    throw invalidSettlementFile(
      'CONTROL_TOTAL_MISMATCH',
      `the lines' net amounts sum to ${controlTotal} minor units but the payout is ${payout.netMinor}`,
      payout.row,
    );
  }
  return { settlementId, currency, lines, payout };
}

function checkedLine(record: Record<string, string>, row: number): SettlementLine {
  const lineId = record['line_id'] ?? '';
  if (!ID.test(lineId)) throw invalidSettlementFile('BAD_VALUE', `row ${row}: line_id must be 1 to 40 letters, digits, _ - or .`, row);
  const type = record['type'] as SettlementLineType;
  if (!SETTLEMENT_LINE_TYPES.includes(type))
    throw invalidSettlementFile('BAD_VALUE', `row ${row}: type ${record['type'] ?? ''} is not one of ${SETTLEMENT_LINE_TYPES.join(', ')}`, row);
  const reference = record['reference'] ?? '';
  const needsReference = type === 'capture' || type === 'refund' || type === 'chargeback';
  if (needsReference && !REFERENCE.test(reference)) throw invalidSettlementFile('BAD_VALUE', `row ${row}: a ${type} needs the order's reference`, row);
  const grossMinor = amount(record['gross'], 'gross', row);
  const feeMinor = amount(record['fee'], 'fee', row);
  const netMinor = amount(record['net'], 'net', row);
  if (grossMinor - feeMinor !== netMinor)
    throw invalidSettlementFile('NET_MISMATCH', `row ${row}: net ${record['net']} is not gross ${record['gross']} minus fee ${record['fee']}`, row);
  const bookedAt = new Date(record['booked_at'] ?? '');
  if (!/^\d{4}-\d{2}-\d{2}T/.test(record['booked_at'] ?? '') || Number.isNaN(bookedAt.getTime()))
    throw invalidSettlementFile('BAD_VALUE', `row ${row}: booked_at must be an ISO 8601 instant`, row);
  const signOk =
    (type === 'capture' && grossMinor > 0n) ||
    ((type === 'refund' || type === 'chargeback') && grossMinor < 0n) ||
    (type === 'fee' && grossMinor === 0n && feeMinor !== 0n) ||
    (type === 'payout' && feeMinor === 0n && grossMinor >= 0n);
  if (!signOk)
    throw invalidSettlementFile(
      'BAD_VALUE',
      `row ${row}: the amounts do not fit a ${type} (captures are positive, refunds and chargebacks negative, a fee line has only a fee, a payout no fee)`,
      row,
    );
  return { row, lineId, type, reference: needsReference ? reference : '', grossMinor, feeMinor, netMinor, bookedAt };
}

function amount(text: string | undefined, column: string, row: number): bigint {
  const match = AMOUNT.exec(text ?? '');
  if (!match) throw invalidSettlementFile('BAD_VALUE', `row ${row}: ${column} must be an amount with two decimals, e.g. 12.50 or -3.00`, row);
  const minor = BigInt(`${match[2]}${match[3]}`);
  return match[1] ? -minor : minor;
}
