import { dayRange, money, parseCalendarDay, type CurrencyCode, type MoneyValue } from '@mesh/server-kit';
import type { LedgerModels } from '../models/index.js';
import { INT64_AS_BIGINT } from '../models/int64.js';
import type { JournalEntryRecord } from '../models/journal-entry.model.js';
import type { OrderSummaryRecord } from '../models/order-summary.model.js';
import { PAYMENT_ACCOUNT_CODES } from '../loaders.js';
import type { OrderDomainPayments } from './order-payments-client.js';
import { ACCOUNTS } from '../consumers/event-entries.js';

export type ReconciliationKind = 'CAPTURE' | 'REFUND';
export type ReconciliationMismatchKind = 'MISSING_POSTING' | 'AMOUNT_MISMATCH' | 'UNEXPECTED_POSTING';

export interface ReconciliationMismatchValue {
  readonly orderId: string;
  readonly kind: ReconciliationKind;
  readonly mismatch: ReconciliationMismatchKind;
  readonly channel: string | null;
  readonly locationId: string | null;
  readonly expected: MoneyValue;
  readonly actual: MoneyValue;
}

export interface ReconciliationGroupValue {
  readonly channel: string;
  readonly locationId: string;
  readonly currency: CurrencyCode;
  readonly orderCount: number;
  readonly capturedExpected: MoneyValue;
  readonly capturedPosted: MoneyValue;
  readonly refundedExpected: MoneyValue;
  readonly refundedPosted: MoneyValue;
  readonly mismatchCount: number;
  /** Discounts posted that day per promotion (its contra-revenue account), by promotion id. */
  readonly discounts: readonly { readonly promotionId: string; readonly amount: MoneyValue }[];
}

/**
 * Where the expected side came from: the order domain's own records of the day (the default: a
 * consumer that stopped or lost events shows as missing postings), or, when the order domain
 * could not be asked, what the ledger recorded from the order events it consumed.
 */
export type ExpectationSource = 'ORDER_DOMAIN' | 'LEDGER_RECORDS';

export interface ReconciliationReport {
  readonly date: string;
  readonly currency: CurrencyCode | null;
  readonly expectedFrom: ExpectationSource;
  readonly reconciled: boolean;
  readonly groups: readonly ReconciliationGroupValue[];
  readonly mismatches: readonly ReconciliationMismatchValue[];
}

const SOURCE_KIND: Readonly<Record<string, ReconciliationKind>> = { ORDER_CAPTURED: 'CAPTURE', REFUND: 'REFUND' };

/** Both sides of one order and kind: how many movements and their sum. */
interface Side {
  count: number;
  minor: bigint;
}
interface OrderDay {
  orderId: string;
  channel: string | null;
  locationId: string | null;
  currency: CurrencyCode;
  expected: Record<ReconciliationKind, Side>;
  actual: Record<ReconciliationKind, Side>;
  /** Debits minus credits on each promotion's discount account in the day's capture postings. */
  discounts: Map<string, bigint>;
}

/**
 * One UTC day's reconciliation (see the Reconciliation type in the SDL for exactly what is
 * compared). `readOrderDomain` answers the order domain's own payments of the day, or null when
 * it cannot be asked (then the ledger's records of the order events stand in for them). Throws
 * BAD_USER_INPUT for a date that is not a real YYYY-MM-DD day.
 */
export async function reconcileDay(
  models: LedgerModels,
  args: { date: string; currency?: CurrencyCode | null },
  readOrderDomain: () => Promise<readonly OrderDomainPayments[] | null> = async () => null,
): Promise<ReconciliationReport> {
  const { start, end } = dayRange(parseCalendarDay(args.date));
  const range = { $gte: start, $lt: end };
  const currency = args.currency ?? null;
  const inCurrency = currency ? { currency } : {};
  const orderDomain = await readOrderDomain();
  const [summaries, entries] = await Promise.all([
    orderDomain ? [] : models.orderSummaries.find({ ...inCurrency, $or: [{ 'captures.at': range }, { 'refunds.at': range }] }).lean<OrderSummaryRecord[]>(),
    models.entries
      .find(
        { ...inCurrency, postedAt: range, orderId: { $exists: true }, 'source.type': { $in: [...Object.keys(SOURCE_KIND), 'REVERSAL'] } },
        { source: 1, currency: 1, lines: 1, orderId: 1, channel: 1, locationId: 1, reversalOf: 1 },
      )
      .setOptions(INT64_AS_BIGINT)
      .lean<JournalEntryRecord[]>(),
  ]);
  const orders = new Map<string, OrderDay>();
  const orderDay = (orderId: string, currency: CurrencyCode, channel?: string, locationId?: string): OrderDay => {
    const key = `${orderId}|${currency}`;
    let day = orders.get(key);
    if (!day) {
      day = { orderId, channel: channel ?? null, locationId: locationId ?? null, currency, expected: emptySides(), actual: emptySides(), discounts: new Map() };
      orders.set(key, day);
    }
    day.channel ??= channel ?? null;
    day.locationId ??= locationId ?? null;
    return day;
  };
  const inDay = (at: Date) => at >= range.$gte && at < range.$lt;
  for (const reported of orderDomain ?? []) {
    const day = orderDay(reported.orderId, reported.currency, reported.channel, reported.locationId);
    if (reported.capturedMinor > 0n) add(day.expected.CAPTURE, reported.capturedMinor);
    if (reported.refundedMinor > 0n) add(day.expected.REFUND, reported.refundedMinor);
  }
  for (const summary of summaries) {
    if (!summary.currency) continue;
    const day = orderDay(summary._id, summary.currency, summary.channel, summary.locationId);
    for (const [kind, movements] of [
      ['CAPTURE', summary.captures],
      ['REFUND', summary.refunds],
    ] as const) {
      for (const movement of movements.filter((candidate) => inDay(new Date(candidate.at)))) add(day.expected[kind], BigInt(movement.amountMinor));
    }
  }
  const reversed = await reversedKinds(models, entries);
  for (const entry of entries) {
    const kind = entry.source.type === 'REVERSAL' ? reversed.get(entry.reversalOf ?? '') : SOURCE_KIND[entry.source.type];
    if (!kind || !entry.orderId) continue;
    const net = paymentNet(entry);
    // Captures debit the payment accounts, refunds credit them; a reversal moves its kind back.
    const day = orderDay(entry.orderId, entry.currency, entry.channel, entry.locationId);
    add(day.actual[kind], kind === 'CAPTURE' ? net : -net);
    if (kind === 'CAPTURE') addDiscounts(day.discounts, entry);
  }
  return report(args.date, currency, orderDomain ? 'ORDER_DOMAIN' : 'LEDGER_RECORDS', [...orders.values()]);
}

function report(date: string, currency: CurrencyCode | null, expectedFrom: ExpectationSource, days: OrderDay[]): ReconciliationReport {
  const mismatches: ReconciliationMismatchValue[] = [];
  const groups = new Map<
    string,
    {
      value: Omit<ReconciliationGroupValue, 'capturedExpected' | 'capturedPosted' | 'refundedExpected' | 'refundedPosted' | 'discounts'>;
      sums: Record<string, bigint>;
      discounts: Map<string, bigint>;
    }
  >();
  for (const day of days.sort((a, b) => a.orderId.localeCompare(b.orderId))) {
    const groupKey = `${day.channel ?? ''}|${day.locationId ?? ''}|${day.currency}`;
    const group = groups.get(groupKey) ?? {
      value: { channel: day.channel ?? 'UNKNOWN', locationId: day.locationId ?? 'UNKNOWN', currency: day.currency, orderCount: 0, mismatchCount: 0 },
      sums: { ce: 0n, cp: 0n, re: 0n, rp: 0n },
      discounts: new Map<string, bigint>(),
    };
    for (const [promotionId, minor] of day.discounts) group.discounts.set(promotionId, (group.discounts.get(promotionId) ?? 0n) + minor);
    groups.set(groupKey, group);
    group.value = { ...group.value, orderCount: group.value.orderCount + 1 };
    group.sums['ce'] = (group.sums['ce'] ?? 0n) + day.expected.CAPTURE.minor;
    group.sums['cp'] = (group.sums['cp'] ?? 0n) + day.actual.CAPTURE.minor;
    group.sums['re'] = (group.sums['re'] ?? 0n) + day.expected.REFUND.minor;
    group.sums['rp'] = (group.sums['rp'] ?? 0n) + day.actual.REFUND.minor;
    for (const kind of ['CAPTURE', 'REFUND'] as const) {
      const mismatch = compare(day.expected[kind], day.actual[kind]);
      if (!mismatch) continue;
      group.value = { ...group.value, mismatchCount: group.value.mismatchCount + 1 };
      mismatches.push({
        orderId: day.orderId,
        kind,
        mismatch,
        channel: day.channel,
        locationId: day.locationId,
        expected: money(day.expected[kind].minor, day.currency),
        actual: money(day.actual[kind].minor, day.currency),
      });
    }
  }
  const groupValues = [...groups.values()]
    .map(({ value, sums, discounts }) => ({
      ...value,
      discounts: [...discounts].sort(([a], [b]) => a.localeCompare(b)).map(([promotionId, minor]) => ({ promotionId, amount: money(minor, value.currency) })),
      capturedExpected: money(sums['ce'] ?? 0n, value.currency),
      capturedPosted: money(sums['cp'] ?? 0n, value.currency),
      refundedExpected: money(sums['re'] ?? 0n, value.currency),
      refundedPosted: money(sums['rp'] ?? 0n, value.currency),
    }))
    .sort((a, b) => a.channel.localeCompare(b.channel) || a.locationId.localeCompare(b.locationId) || a.currency.localeCompare(b.currency));
  return { date, currency, expectedFrom, reconciled: mismatches.length === 0, groups: groupValues, mismatches };
}

function compare(expected: Side, actual: Side): ReconciliationMismatchKind | null {
  if (expected.count > 0 && actual.count === 0) return 'MISSING_POSTING';
  if (expected.count === 0 && actual.count > 0) return actual.minor === 0n ? null : 'UNEXPECTED_POSTING';
  return expected.minor === actual.minor ? null : 'AMOUNT_MISMATCH';
}

/** The kind of every entry the day's reversals reverse. */
async function reversedKinds(models: LedgerModels, entries: readonly JournalEntryRecord[]): Promise<Map<string, ReconciliationKind>> {
  const ids = entries.filter((entry) => entry.source.type === 'REVERSAL' && entry.reversalOf).map((entry) => entry.reversalOf!);
  if (ids.length === 0) return new Map();
  const originals = await models.entries.find({ _id: { $in: ids } }, { source: 1 }).lean<Pick<JournalEntryRecord, '_id' | 'source'>[]>();
  const kinds = new Map<string, ReconciliationKind>();
  for (const original of originals) {
    const kind = SOURCE_KIND[original.source.type];
    if (kind) kinds.set(original._id, kind);
  }
  return kinds;
}

/** Adds the entry's debits minus credits on each promotion's discount account (4200-<promotionId>). */
function addDiscounts(discounts: Map<string, bigint>, entry: JournalEntryRecord): void {
  const prefix = `${ACCOUNTS.discounts}-`;
  for (const line of entry.lines) {
    if (!line.accountCode.startsWith(prefix)) continue;
    const promotionId = line.accountCode.slice(prefix.length);
    discounts.set(promotionId, (discounts.get(promotionId) ?? 0n) + BigInt(line.debitMinor) - BigInt(line.creditMinor));
  }
}

/** Debits minus credits on the payment accounts. */
function paymentNet(entry: JournalEntryRecord): bigint {
  const accounts: ReadonlySet<string> = new Set(PAYMENT_ACCOUNT_CODES);
  return entry.lines.filter((line) => accounts.has(line.accountCode)).reduce((sum, line) => sum + BigInt(line.debitMinor) - BigInt(line.creditMinor), 0n);
}

function add(side: Side, minor: bigint): void {
  side.count += 1;
  side.minor += minor;
}

function emptySides(): Record<ReconciliationKind, Side> {
  return { CAPTURE: { count: 0, minor: 0n }, REFUND: { count: 0, minor: 0n } };
}
