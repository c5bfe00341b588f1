import { callSubgraph, type CurrencyCode, type Principal } from '@mesh/server-kit';

/** One order's payments of a day as the order domain recorded them (amounts in minor units). */
export interface OrderDomainPayments {
  readonly orderId: string;
  readonly channel: string;
  readonly locationId: string;
  readonly currency: CurrencyCode;
  readonly capturedMinor: bigint;
  readonly refundedMinor: bigint;
}

/** Reads the order domain's payments of one day; resolves null when the order domain cannot be asked. */
export type OrderDomainReader = (args: { date: string; currency: CurrencyCode | null; correlationId: string }) => Promise<OrderDomainPayments[] | null>;

/** The ledger's identity towards the order subgraph. */
export const LEDGER_SERVICE_PRINCIPAL: Principal = Object.freeze({ role: 'admin', subject: 'service:ledger' });

const PAYMENTS_OF_DAY = `query LedgerReconciliation($date: String!, $currency: CurrencyCode) {
  paymentsOfDay(date: $date, currency: $currency) { orderId channel locationId currency captured { minorUnits } refunded { minorUnits } }
}`;

type PaymentsOfDay = {
  paymentsOfDay: {
    orderId: string;
    channel: string;
    locationId: string;
    currency: CurrencyCode;
    captured: { minorUnits: string };
    refunded: { minorUnits: string };
  }[];
};

/**
 * Asks the order subgraph directly (paymentsOfDay is @inaccessible, not in the public graph), as
 * the ledger service. Anything but a clean answer within 5 s (down, slow, an error) resolves null
 * and is logged by the caller: the report then says its expectations came from the ledger's own records.
 */
export function orderDomainReader(orderUrl: string, secret: Uint8Array, onFailure: (reason: string) => void): OrderDomainReader {
  return async ({ date, currency, correlationId }) => {
    try {
      const { status, body } = await callSubgraph<PaymentsOfDay>({
        url: orderUrl,
        principal: LEDGER_SERVICE_PRINCIPAL,
        secret,
        correlationId,
        query: PAYMENTS_OF_DAY,
        variables: { date, currency },
        timeoutMs: 5000,
      });
      if (status >= 400 || body.errors?.length || !body.data) {
        onFailure(`order subgraph answered ${status}: ${body.errors?.map((error) => error.message).join('; ') ?? 'no data'}`);
        return null;
      }
      return body.data.paymentsOfDay.map((order) => ({
        orderId: order.orderId,
        channel: order.channel,
        locationId: order.locationId,
        currency: order.currency,
        capturedMinor: BigInt(order.captured.minorUnits),
        refundedMinor: BigInt(order.refunded.minorUnits),
      }));
    } catch (error) {
      onFailure((error as Error).message);
      return null;
    }
  };
}
