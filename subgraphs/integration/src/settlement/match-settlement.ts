import type { SettlementExceptionCode } from '../models/settlement-exception.model.js';
import type { RecordedPayment } from './settlement-upstream.js';
import type { SettlementFile, SettlementLine } from './settlement-file.js';

/** A line that disagrees with the mesh, and why. */
export interface LineDisagreement {
  readonly line: SettlementLine;
  readonly code: SettlementExceptionCode;
  readonly message: string;
  readonly recordedMinor: bigint | null;
}

/** The outcome of matching a report against the order domain's payments. */
export interface SettlementMatch {
  /** Orders whose lines all agreed (their fees are posted against them). */
  readonly matchedOrders: ReadonlySet<string>;
  readonly matchedLines: number;
  readonly disagreements: readonly LineDisagreement[];
}

/**
 * Matches every capture, refund and chargeback line to the referenced order's payment: a capture
 * must equal what the order captured, the refunds of an order together must not exceed what it
 * refunded, and its chargebacks together must not exceed what it kept (captured minus refunded:
 * a provider cannot take back more than the merchant holds). A matched chargeback needs no person
 * (it is posted as a loss); one that disagrees does. Fee and payout lines match nothing.
 */
export function matchSettlement(file: SettlementFile, payments: ReadonlyMap<string, RecordedPayment | null>): SettlementMatch {
  const disagreements: LineDisagreement[] = [];
  const inFile: TakenBack = { refunded: new Map(), chargedBack: new Map() };
  let matchedLines = 0;
  const matchedOrders = new Set<string>();
  for (const line of file.lines) {
    if (line.type === 'fee' || line.type === 'payout') continue;
    const payment = payments.get(line.reference) ?? null;
    const disagreement = disagreementOf(line, payment, file.currency, inFile);
    if (disagreement) disagreements.push(disagreement);
    else {
      matchedLines += 1;
      matchedOrders.add(line.reference);
    }
  }
  for (const disagreement of disagreements) matchedOrders.delete(disagreement.line.reference);
  return { matchedOrders, matchedLines, disagreements };
}

/** Per order, what the file's refund and chargeback lines so far took back (positive minor units). */
interface TakenBack {
  readonly refunded: Map<string, bigint>;
  readonly chargedBack: Map<string, bigint>;
}

function disagreementOf(line: SettlementLine, payment: RecordedPayment | null, currency: string, inFile: TakenBack): LineDisagreement | null {
  if (!payment) return { line, code: 'UNMATCHED_REFERENCE', message: `no order ${line.reference} with a payment in the mesh`, recordedMinor: null };
  if (payment.currency !== currency)
    return {
      line,
      code: 'CURRENCY_MISMATCH',
      message: `order ${line.reference} was paid in ${payment.currency}, the report is in ${currency}`,
      recordedMinor: null,
    };
  if (line.type === 'chargeback') {
    const kept = payment.capturedMinor - payment.refundedMinor;
    const chargedBack = (inFile.chargedBack.get(line.reference) ?? 0n) - line.grossMinor;
    inFile.chargedBack.set(line.reference, chargedBack);
    if (chargedBack <= kept) return null;
    return {
      line,
      code: 'AMOUNT_MISMATCH',
      message: `the provider charged back ${chargedBack} minor units of order ${line.reference}; the order kept ${kept} (captured minus refunded): dispute it`,
      recordedMinor: kept,
    };
  }
  if (line.type === 'capture') {
    if (line.grossMinor === payment.capturedMinor) return null;
    return {
      line,
      code: 'AMOUNT_MISMATCH',
      message: `the provider settled ${line.grossMinor} minor units for order ${line.reference}; the mesh captured ${payment.capturedMinor}`,
      recordedMinor: payment.capturedMinor,
    };
  }
  const refunded = (inFile.refunded.get(line.reference) ?? 0n) - line.grossMinor;
  inFile.refunded.set(line.reference, refunded);
  if (refunded <= payment.refundedMinor) return null;
  return {
    line,
    code: 'AMOUNT_MISMATCH',
    message: `the provider refunded ${refunded} minor units of order ${line.reference}; the mesh refunded ${payment.refundedMinor}`,
    recordedMinor: payment.refundedMinor,
  };
}
