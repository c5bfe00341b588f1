import type { CurrencyCode } from '@mesh/server-kit';
import type { RefundRefusalReason, ReturnNotReceivableReason, ReturnRefusalReason } from '../__generated__/schema-types.js';
import type { OrderRecord } from '../models/order.model.js';
import type { RefundRecord, ReturnRecord } from '../models/order-return.schema.js';

// What the returns mutations answer with and how a return is shown (the Return, ReturnCreated,
// ReturnRefused, ReturnReceived, ReturnNotReceivable, RefundIssued and RefundRefused mappers of codegen.yml).

/** A return as the graph shows it: the stored return and the currency of its order. */
export interface ReturnView {
  readonly record: ReturnRecord;
  readonly currency: CurrencyCode;
}

export const returnView = (order: Pick<OrderRecord, 'currency'>, record: ReturnRecord): ReturnView => ({ record, currency: order.currency });

export interface ReturnCreatedOutcome {
  readonly kind: 'created';
  readonly order: OrderRecord;
  readonly record: ReturnRecord;
}

export interface ReturnRefusedOutcome {
  readonly kind: 'refused';
  readonly reason: ReturnRefusalReason;
  readonly lines: readonly { lineNumber: number; quantity: number; returnable: number }[];
  readonly windowEndsAt: Date | null;
}

export type CreateReturnOutcome = ReturnCreatedOutcome | ReturnRefusedOutcome;

export interface ReturnReceivedOutcome {
  readonly kind: 'received';
  readonly order: OrderRecord;
  readonly record: ReturnRecord;
  /** True when this call received and refunded it; false for a repeat of the same key. */
  readonly now: boolean;
}

export interface ReturnNotReceivableOutcome {
  readonly kind: 'not-receivable';
  readonly returnId: string;
  readonly reason: ReturnNotReceivableReason;
  readonly order: OrderRecord;
}

export type ReceiveReturnOutcome = ReturnReceivedOutcome | ReturnNotReceivableOutcome;

export interface RefundIssuedOutcome {
  readonly kind: 'issued';
  readonly order: OrderRecord;
  readonly refund: RefundRecord;
}

export interface RefundRefusedOutcome {
  readonly kind: 'refused';
  readonly reason: RefundRefusalReason;
  readonly order: OrderRecord;
}

export type RefundPaymentOutcome = RefundIssuedOutcome | RefundRefusedOutcome;
