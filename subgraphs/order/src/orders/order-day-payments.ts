import type { CurrencyCode, MoneyValue } from '@mesh/server-kit';
import type { SalesChannel } from '../__generated__/schema-types.js';

// The OrderDayPayments mapper of codegen.yml.

/** One order's payments on one UTC day, as the order domain itself recorded them. */
export interface OrderDayPaymentsView {
  readonly orderId: string;
  readonly channel: SalesChannel;
  readonly locationId: string;
  readonly currency: CurrencyCode;
  /** The capture made that day (at most one per order), zero when none. */
  readonly captured: MoneyValue;
  /** The refunds paid that day, summed; zero when none. */
  readonly refunded: MoneyValue;
}
