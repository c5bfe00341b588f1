import type { CurrencyCode } from '@mesh/server-kit';
import { upstreamUnavailable } from '../errors.js';
import { callService, type ServiceTarget } from '../services/service-call.js';
import type { SettlementFile } from './settlement-file.js';

/** What the order domain recorded of one order's payment, or null when it has no such order. */
export interface RecordedPayment {
  readonly currency: CurrencyCode;
  readonly capturedMinor: bigint;
  readonly refundedMinor: bigint;
}

interface OrderPaymentJson {
  readonly payment: { captured: { minorUnits: string; currency: CurrencyCode }; refunded: { minorUnits: string } } | null;
}

const CHUNK = 50;

/**
 * The order domain's payment of every referenced order, asked 50 orders a request (aliased
 * `order(id:)` key lookups). UPSTREAM_UNAVAILABLE when the order subgraph cannot answer.
 */
export async function recordedPayments(target: ServiceTarget, references: readonly string[]): Promise<Map<string, RecordedPayment | null>> {
  const unique = [...new Set(references)];
  const found = new Map<string, RecordedPayment | null>();
  for (let start = 0; start < unique.length; start += CHUNK) {
    const chunk = unique.slice(start, start + CHUNK);
    const fields = chunk
      .map((_reference, index) => `o${index}: order(id: $r${index}) { payment { captured { minorUnits currency } refunded { minorUnits } } }`)
      .join(' ');
    const query = `query IntegrationSettlementOrders(${chunk.map((_reference, index) => `$r${index}: ID!`).join(', ')}) { ${fields} }`;
    const variables = Object.fromEntries(chunk.map((reference, index) => [`r${index}`, reference]));
    const data = await ask<Record<string, OrderPaymentJson | null>>(target, query, variables, 'order');
    chunk.forEach((reference, index) => {
      const order = data[`o${index}`];
      const payment = order?.payment;
      found.set(
        reference,
        payment
          ? { currency: payment.captured.currency, capturedMinor: BigInt(payment.captured.minorUnits), refundedMinor: BigInt(payment.refunded.minorUnits) }
          : null,
      );
    });
  }
  return found;
}

const POST_SETTLEMENT = `mutation IntegrationPostSettlement($input: SettlementPostingsInput!) { postSettlement(input: $input) { id } }`;

/**
 * Posts the file's fees (one per line that has one), its chargebacks (the money taken back, every
 * chargeback line: it left the clearing account whether or not it matched) and its payout to the
 * ledger, each with its order when the order's lines all matched. The ledger keys each entry by
 * provider, settlement, line and kind: asking again posts nothing new. Returns the entry ids.
 * UPSTREAM_UNAVAILABLE when the ledger cannot answer.
 */
export async function postSettlementToLedger(
  target: ServiceTarget,
  provider: string,
  file: SettlementFile,
  matchedOrders: ReadonlySet<string>,
): Promise<string[]> {
  const fees = file.lines
    .filter((line) => line.feeMinor !== 0n)
    .map((line) => ({
      lineId: line.lineId,
      amountMinor: line.feeMinor.toString(),
      occurredAt: line.bookedAt.toISOString(),
      orderId: matchedOrders.has(line.reference) ? line.reference : null,
    }));
  const chargebacks = file.lines
    .filter((line) => line.type === 'chargeback')
    .map((line) => ({
      lineId: line.lineId,
      amountMinor: (-line.grossMinor).toString(),
      occurredAt: line.bookedAt.toISOString(),
      orderId: matchedOrders.has(line.reference) ? line.reference : null,
    }));
  const payout = { lineId: file.payout.lineId, amountMinor: file.payout.netMinor.toString(), occurredAt: file.payout.bookedAt.toISOString() };
  const input = { provider, settlementId: file.settlementId, currency: file.currency, fees, chargebacks, payout };
  const data = await ask<{ postSettlement: { id: string }[] }>(target, POST_SETTLEMENT, { input }, 'ledger');
  return data.postSettlement.map((entry) => entry.id);
}

async function ask<T>(target: ServiceTarget, query: string, variables: Record<string, unknown>, name: string): Promise<T> {
  let answer: Awaited<ReturnType<typeof callService<T>>>;
  try {
    answer = await callService<T>(target, query, variables);
  } catch (error) {
    throw upstreamUnavailable(`the ${name} subgraph could not be reached: ${(error as Error).message}`);
  }
  const { status, body } = answer;
  if (body.errors?.length || !body.data)
    throw upstreamUnavailable(`the ${name} subgraph answered ${status}: ${body.errors?.map((error) => error.message).join('; ') ?? 'no data'}`);
  return body.data;
}
