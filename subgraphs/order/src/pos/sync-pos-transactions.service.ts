import { announceEvents, isDuplicateKey } from '@mesh/events';
import { LIMITS, badUserInput, can, forbidden, identifier, type CurrencyCode, type Principal } from '@mesh/server-kit';
import type { PosRejectionCode, PosTransactionInput, PosTransactionOutcome } from '../__generated__/schema-types.js';
import type { OrderModels } from '../models/index.js';
import type { OrderRecord } from '../models/order.model.js';
import type { OrderRuntime } from '../runtime.js';
import type { CatalogVariant } from '../clients/product-client.js';
import { requireSignedIn } from '../access.js';
import { recordPosSequences, type PosDeviceProgress } from './pos-device-progress.service.js';
import { rulesPricingOf, tillPricingProblem } from './pos-pricing-check.js';
import { checkPosTransaction, deviceSequenceOf, PosRejection, posOrderOf, type PosSale } from './pos-sale.js';
import type { CartPricing } from '../clients/product-client.js';

export const MAX_POS_TRANSACTIONS = 500;

/** What happened to one uploaded transaction (PosTransactionResult in the schema). */
export interface PosTransactionResult {
  readonly localId: string;
  readonly deviceId: string;
  readonly sequence: number;
  readonly outcome: PosTransactionOutcome;
  readonly order: OrderRecord | null;
  readonly rejection: PosRejectionCode | null;
  readonly reason: string | null;
}

export interface PosSyncResult {
  readonly storeId: string;
  readonly results: PosTransactionResult[];
  readonly devices: PosDeviceProgress[];
}

interface PosSyncCaller {
  readonly principal: Principal;
  readonly correlationId: string;
}

/** pos:sync, and an associate whose token names a store only for that store. */
function assertMaySync(principal: Principal, storeId: string): void {
  requireSignedIn(principal);
  if (!can(principal, 'pos:sync')) throw forbidden('Your role may not upload till transactions');
  if (principal.storeId !== undefined && principal.storeId !== storeId) throw forbidden(`You may only upload till transactions of store ${principal.storeId}`);
}

/**
 * Mutation.syncPosTransactions. Checks access and the batch size (errors, writing nothing), then
 * decides every transaction on its own, in a deterministic order (device, then sequence) whatever
 * order they came in:
 * - malformed -> REJECTED INVALID_TRANSACTION;
 * - its key (pos:<store>:<device>:<localId>) already holds an order -> ALREADY_RECORDED with that
 *   order when the content fingerprint matches, else REJECTED CONFLICT (the first recording stands);
 * - an unknown SKU -> REJECTED UNKNOWN_SKU; payment not equal to the computed total -> PAYMENT_MISMATCH;
 * - a sale naming its promotions whose list prices, line discounts or promotions differ from the
 *   product domain's rules in force at its time (priceCart, channel POS) -> PRICING_MISMATCH, with
 *   what differs in `reason` (pos-pricing-check.ts); one that matches records its promotions;
 * - otherwise one insert of the COMPLETED order with its events (see posOrderOf) -> RECORDED. A
 *   concurrent upload of the same transaction loses on the unique idempotency key and answers
 *   ALREADY_RECORDED, so each sale is recorded once however often or concurrently it is sent.
 * Then every device's well-formed sequence numbers are added to its progress. The catalog is read
 * before anything is written: if the product subgraph cannot answer, the call fails and nothing
 * changes. The store itself is not checked here (this subgraph has no location data): inventory
 * refuses sales at an unknown location, which then show in its dead letters.
 */
export async function syncPosTransactions(
  models: OrderModels,
  runtime: OrderRuntime,
  caller: PosSyncCaller,
  storeId: string,
  transactions: readonly PosTransactionInput[],
): Promise<PosSyncResult> {
  identifier(storeId, 'storeId');
  assertMaySync(caller.principal, storeId);
  if (transactions.length < 1 || transactions.length > MAX_POS_TRANSACTIONS)
    throw badUserInput(`transactions must hold 1 to ${MAX_POS_TRANSACTIONS} transactions`, { argument: 'transactions' });

  const now = new Date();
  const checked = transactions.map((input) => checkPosTransaction(storeId, input, now));
  const sales = checked.filter((entry): entry is PosSale => !(entry instanceof PosRejection));
  const existing = await recordedOrders(
    models,
    sales.map((sale) => sale.key),
  );
  const fresh = sales.filter((sale) => !existing.has(sale.key));
  const catalog = await catalogOf(runtime, caller.correlationId, fresh);
  const rules = await rulesPricingOf(runtime, caller.correlationId, storeId, fresh);

  const results: PosTransactionResult[] = new Array(transactions.length);
  const order = transactions.map((_, index) => index).sort((a, b) => compareDeviceSequence(transactions[a]!, transactions[b]!) || a - b);
  let recorded = false;
  for (const index of order) {
    const input = transactions[index]!;
    const entry = checked[index]!;
    const base = { localId: input.localId, deviceId: input.deviceId, sequence: input.sequence };
    if (entry instanceof PosRejection) {
      results[index] = { ...base, outcome: 'REJECTED', order: null, rejection: entry.code, reason: entry.reason };
      continue;
    }
    const outcome = await decide(
      models,
      entry,
      existing.get(entry.key),
      catalog.get(entry.currency) ?? new Map(),
      rules.get(entry.key),
      `${caller.correlationId}:${entry.deviceId}:${entry.localId}`,
    );
    if (outcome.outcome === 'RECORDED') recorded = true;
    if (outcome.order) existing.set(entry.key, outcome.order);
    results[index] = { ...base, ...outcome };
  }
  if (recorded) announceEvents(models.orders);
  return { storeId, results, devices: await recordDevices(models, storeId, transactions) };
}

type Decision = Pick<PosTransactionResult, 'outcome' | 'order' | 'rejection' | 'reason'>;

async function decide(
  models: OrderModels,
  sale: PosSale,
  stored: OrderRecord | undefined,
  catalog: ReadonlyMap<string, CatalogVariant>,
  rules: CartPricing | PosRejection | undefined,
  correlationId: string,
): Promise<Decision> {
  if (stored) return replayOf(sale, stored);
  if (rules instanceof PosRejection) return { outcome: 'REJECTED', order: null, rejection: rules.code, reason: rules.reason };
  const problem = rules ? tillPricingProblem(sale, rules) : null;
  if (problem) return { outcome: 'REJECTED', order: null, rejection: 'PRICING_MISMATCH', reason: problem };
  const built = posOrderOf(sale, catalog, correlationId, rules);
  if (built instanceof PosRejection) return { outcome: 'REJECTED', order: null, rejection: built.code, reason: built.reason };
  try {
    await models.orders.create({ ...built.order, pendingEvents: built.events });
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    // A concurrent upload of the same transaction won the insert.
    const winner = await models.orders.findOne({ idempotencyKey: sale.key }).lean<OrderRecord>();
    if (!winner) throw error;
    return replayOf(sale, winner);
  }
  return { outcome: 'RECORDED', order: built.order, rejection: null, reason: null };
}

function replayOf(sale: PosSale, stored: OrderRecord): Decision {
  if (stored.requestHash === sale.fingerprint) return { outcome: 'ALREADY_RECORDED', order: stored, rejection: null, reason: null };
  return {
    outcome: 'REJECTED',
    order: null,
    rejection: 'CONFLICT',
    reason: `${sale.localId} on device ${sale.deviceId} was already recorded as order ${stored.number} with different content`,
  };
}

function compareDeviceSequence(a: PosTransactionInput, b: PosTransactionInput): number {
  return a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : a.sequence - b.sequence;
}

/** The orders already recorded under any of `keys`, by key (one query). */
async function recordedOrders(models: OrderModels, keys: readonly string[]): Promise<Map<string, OrderRecord>> {
  if (keys.length === 0) return new Map();
  const rows = await models.orders.find({ idempotencyKey: { $in: [...new Set(keys)] } }).lean<OrderRecord[]>();
  return new Map(rows.map((row) => [row.idempotencyKey, row]));
}

/** Unit costs (and existence) of every SKU the new sales name, per currency, in chunks the product subgraph accepts. */
async function catalogOf(runtime: OrderRuntime, correlationId: string, sales: readonly PosSale[]): Promise<Map<CurrencyCode, Map<string, CatalogVariant>>> {
  const wanted = new Map<CurrencyCode, Set<string>>();
  for (const sale of sales) for (const line of sale.lines) wanted.set(sale.currency, (wanted.get(sale.currency) ?? new Set()).add(line.sku));
  const catalog = new Map<CurrencyCode, Map<string, CatalogVariant>>();
  for (const [currency, skus] of wanted) {
    const known = new Map<string, CatalogVariant>();
    const list = [...skus];
    for (let start = 0; start < list.length; start += LIMITS.maxListSize) {
      const variants = await runtime.catalog.fetchVariants(list.slice(start, start + LIMITS.maxListSize), currency, correlationId);
      for (const variant of variants) if (variant) known.set(variant.sku, variant);
    }
    catalog.set(currency, known);
  }
  return catalog;
}

/** Adds each device's well-formed sequences to its progress; devices in first-seen order. */
async function recordDevices(models: OrderModels, storeId: string, transactions: readonly PosTransactionInput[]): Promise<PosDeviceProgress[]> {
  const byDevice = new Map<string, number[]>();
  for (const input of transactions) {
    const position = deviceSequenceOf(input);
    if (position) byDevice.set(position.deviceId, [...(byDevice.get(position.deviceId) ?? []), position.sequence]);
  }
  return Promise.all([...byDevice].map(([deviceId, sequences]) => recordPosSequences(models, storeId, deviceId, sequences)));
}
