import type { CurrencyCode } from '@mesh/server-kit';
import { callService } from './service-call.js';

/** Codes with which the order domain refuses a command for good: retrying the same command cannot change the answer. */
const FINAL_CODES = new Set([
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'FORBIDDEN',
  'ILLEGAL_TRANSITION',
  'IDEMPOTENCY_KEY_REUSED',
  'PAYMENT_MISMATCH',
  'GRAPHQL_VALIDATION_FAILED',
]);

/** The order domain refused a command; `code` is its error code. Anything else thrown is transient (retry later). */
export class CommandRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly extensions: Readonly<Record<string, unknown>>,
  ) {
    super(message);
  }
}

export interface OrderCommandTarget {
  readonly orderUrl: string;
  readonly secret: Uint8Array;
  readonly correlationId: string;
}

export interface ExternalOrderCommand {
  readonly idempotencyKey: string;
  readonly customerId: string | null;
  readonly currency: CurrencyCode;
  readonly lines: readonly { sku: string; quantity: number; unitPriceMinor: number }[];
  readonly locationId: string;
  readonly payment: { provider: string; reference: string; amountMinor: number };
}

const RECORD_EXTERNAL_ORDER = `mutation IntegrationRecordExternalOrder($input: ExternalOrderInput!) { recordExternalOrder(input: $input) { id status } }`;
const CANCEL_ORDER = `mutation IntegrationCancelOrder($orderId: ID!, $reason: OrderCancellationReason!, $key: String!) { cancelOrder(orderId: $orderId, reason: $reason, idempotencyKey: $key) { id status } }`;
const REFUND_PAYMENT = `mutation IntegrationRefundPayment($input: RefundPaymentInput!) {
  refundPayment(input: $input) { __typename ... on RefundIssued { order { id } } ... on RefundRefused { reason } }
}`;

/** recordExternalOrder: the storefront's paid order becomes a mesh order (WEB, shipped from `locationId`). */
export async function recordExternalOrder(target: OrderCommandTarget, command: ExternalOrderCommand): Promise<{ id: string; status: string }> {
  const input = {
    idempotencyKey: command.idempotencyKey,
    channel: 'WEB',
    customerId: command.customerId,
    currency: command.currency,
    lines: command.lines.map((line) => ({ sku: line.sku, quantity: line.quantity, unitPriceMinor: String(line.unitPriceMinor) })),
    fulfillment: { type: 'SHIP', locationId: command.locationId },
    payment: { ...command.payment, amountMinor: String(command.payment.amountMinor) },
  };
  const data = await send<{ recordExternalOrder: { id: string; status: string } }>(target, RECORD_EXTERNAL_ORDER, { input });
  return data.recordExternalOrder;
}

export async function cancelOrder(target: OrderCommandTarget, orderId: string, reason: 'CUSTOMER_REQUEST' | 'STORE_REQUEST', key: string): Promise<void> {
  await send(target, CANCEL_ORDER, { orderId, reason, key });
}

const SHIP_ORDER = `mutation IntegrationShipOrder($orderId: ID!, $key: String!, $tracking: ShipmentTrackingInput) { shipOrder(orderId: $orderId, idempotencyKey: $key, tracking: $tracking) { id status } }`;
const MARK_READY = `mutation IntegrationMarkReady($orderId: ID!, $key: String!) { markReadyForPickup(orderId: $orderId, idempotencyKey: $key) { id status } }`;
const CONFIRM_PICKUP = `mutation IntegrationConfirmPickup($orderId: ID!, $key: String!) { confirmPickup(orderId: $orderId, idempotencyKey: $key) { id status } }`;
const RECORD_DELIVERY = `mutation IntegrationRecordDelivery($orderId: ID!, $tracking: ShipmentTrackingInput!, $at: DateTime!) { recordDelivery(orderId: $orderId, tracking: $tracking, deliveredAt: $at) { id status } }`;

export interface Tracking {
  readonly carrier: string;
  readonly trackingNumber: string;
}

export async function shipOrder(target: OrderCommandTarget, orderId: string, key: string, tracking: Tracking | undefined): Promise<void> {
  await send(target, SHIP_ORDER, { orderId, key, tracking: tracking ?? null });
}

export async function markReadyForPickup(target: OrderCommandTarget, orderId: string, key: string): Promise<void> {
  await send(target, MARK_READY, { orderId, key });
}

export async function confirmPickup(target: OrderCommandTarget, orderId: string, key: string): Promise<void> {
  await send(target, CONFIRM_PICKUP, { orderId, key });
}

export async function recordDelivery(target: OrderCommandTarget, orderId: string, tracking: Tracking, deliveredAt: string): Promise<void> {
  await send(target, RECORD_DELIVERY, { orderId, tracking, at: deliveredAt });
}

/** refundPayment (money only); a RefundRefused answer is thrown as CommandRefused with its reason as the code. */
export async function refundPayment(
  target: OrderCommandTarget,
  input: { idempotencyKey: string; orderId: string; amountMinor: number; currency: CurrencyCode },
): Promise<void> {
  const data = await send<{ refundPayment: { __typename: string; reason?: string } }>(target, REFUND_PAYMENT, {
    input: { ...input, amountMinor: String(input.amountMinor), reason: 'OTHER' },
  });
  if (data.refundPayment.__typename === 'RefundRefused') {
    throw new CommandRefused(
      data.refundPayment.reason ?? 'REFUND_REFUSED',
      `the order domain refused the refund: ${data.refundPayment.reason ?? 'no reason'}`,
      {},
    );
  }
}

async function send<T>(target: OrderCommandTarget, query: string, variables: Record<string, unknown>): Promise<T> {
  const { status, body } = await callService<T>({ url: target.orderUrl, secret: target.secret, correlationId: target.correlationId }, query, variables);
  const refusal = body.errors?.find((error) => FINAL_CODES.has(String(error.extensions?.['code'])));
  if (refusal) throw new CommandRefused(String(refusal.extensions?.['code']), refusal.message, refusal.extensions ?? {});
  if (body.errors?.length || !body.data)
    throw new Error(`order subgraph answered ${status}: ${body.errors?.map((error) => error.message).join('; ') ?? 'no data'}`);
  return body.data;
}
