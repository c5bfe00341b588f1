import type { CurrencyCode, RequestContext } from '@mesh/server-kit';
import type {
  CreateReturnInput,
  ExternalOrderInput,
  PlaceOrderInput,
  PosTransactionInput,
  ReceiveReturnInput,
  RefundPaymentInput,
} from './__generated__/schema-types.js';
import { customerOrders } from './customers/customer-orders.service.js';
import type { OrderStatusUpdateView } from './lifecycle/order-status-update.js';
import type { OrderCommand } from './lifecycle/order-lifecycle.js';
import { recordDelivery, type RecordDeliveryRequest } from './lifecycle/record-delivery.service.js';
import { transitionOrder, type TransitionRequest } from './lifecycle/transition-order.service.js';
import { watchOrderStatus, type WatchOrderStatusArgs } from './lifecycle/watch-order-status.service.js';
import { createOrderLoaders, type OrderLoaders } from './loaders.js';
import type { OrderRecord } from './models/order.model.js';
import type { OrderKpis } from './observability/order-kpis.js';
import { readOrderTraceSteps } from './observability/read-trace-steps.service.js';
import { listOrders } from './orders/list-orders.service.js';
import type { OrderPage } from './orders/order-connection.js';
import type { OrderDayPaymentsView } from './orders/order-day-payments.js';
import { readPaymentsOfDay } from './orders/payments-of-day.service.js';
import { readOrder, type OrderLookup } from './orders/read-order.service.js';
import { placeOrder } from './placement/place-order.service.js';
import type { PlaceOrderResult } from './placement/placement-results.js';
import { recordExternalOrder } from './placement/record-external-order.service.js';
import { syncPosTransactions, type PosSyncResult } from './pos/sync-pos-transactions.service.js';
import { createReturn } from './returns/create-return.service.js';
import { receiveReturn } from './returns/receive-return.service.js';
import { refundPayment } from './returns/refund-payment.service.js';
import type { CreateReturnOutcome, ReceiveReturnOutcome, RefundPaymentOutcome } from './returns/return-outcomes.js';
import type { OrderRuntime } from './runtime.js';

type PageArgs = { first?: number | null; after?: string | null };

/** What order resolvers receive: the caller, fresh loaders, and the use cases bound to this caller and database. */
export interface OrderContext extends RequestContext {
  readonly loaders: OrderLoaders;
  /** The order domain's steps of a workflow (Trace.orderSteps). */
  readonly traceSteps: (correlationId: string) => ReturnType<typeof readOrderTraceSteps>;
  /** The order domain's KPIs in this process (LiveKpis). */
  readonly liveKpis: () => OrderKpis;
  readonly orders: {
    /** One order the caller may see, or null when there is none. */
    readonly read: (lookup: OrderLookup) => Promise<OrderRecord | null>;
    /** Query.orders. */
    readonly list: (args: Parameters<typeof listOrders>[3]) => Promise<OrderPage>;
    /** Customer.orders. */
    readonly ofCustomer: (customerId: string, args: PageArgs) => Promise<OrderPage>;
    /** Query.paymentsOfDay (the ledger's reconciliation). */
    readonly paymentsOfDay: (args: { date: string; currency?: CurrencyCode | null }) => Promise<OrderDayPaymentsView[]>;
    /** Mutation.placeOrder. */
    readonly place: (input: PlaceOrderInput) => Promise<PlaceOrderResult>;
    /** The lifecycle mutations (lifecycle/order-lifecycle.ts). */
    readonly transition: (command: OrderCommand, request: TransitionRequest) => Promise<OrderRecord>;
    /** Mutation.syncPosTransactions. */
    readonly syncPos: (storeId: string, transactions: readonly PosTransactionInput[]) => Promise<PosSyncResult>;
    /** Mutation.recordDelivery. */
    readonly recordDelivery: (request: RecordDeliveryRequest) => Promise<OrderRecord>;
    /** Mutation.recordExternalOrder. */
    readonly recordExternal: (input: ExternalOrderInput) => Promise<OrderRecord>;
    /** Subscription.orderStatusChanged. */
    readonly watchStatus: (args: WatchOrderStatusArgs) => Promise<AsyncIterableIterator<OrderStatusUpdateView | Error>>;
  };
  /** Returns and refunds (returns/create-return, receive-return, refund-payment). */
  readonly returns: {
    /** Mutation.createReturn. */
    readonly create: (input: CreateReturnInput) => Promise<CreateReturnOutcome>;
    /** Mutation.receiveReturn. */
    readonly receive: (input: ReceiveReturnInput) => Promise<ReceiveReturnOutcome>;
    /** Mutation.refundPayment. */
    readonly refund: (input: RefundPaymentInput) => Promise<RefundPaymentOutcome>;
  };
}

export function createOrderContext(base: RequestContext, runtime: OrderRuntime): OrderContext {
  const { models } = runtime;
  const loaders = createOrderLoaders(models);
  const { principal } = base;
  return {
    ...base,
    loaders,
    traceSteps: (correlationId) => readOrderTraceSteps(models, correlationId),
    liveKpis: () => runtime.kpis,
    orders: {
      read: (lookup) => readOrder(loaders, principal, lookup),
      list: (args) => listOrders(models, loaders, principal, args),
      ofCustomer: (customerId, args) => customerOrders(loaders, principal, customerId, args),
      paymentsOfDay: (args) => readPaymentsOfDay(models, principal, args),
      place: (input) => placeOrder(models, runtime, base, input),
      transition: (command, request) => transitionOrder(models, { principal, correlationId: base.correlationId, loaders }, command, request),
      recordDelivery: (request) => recordDelivery(models, principal, request),
      recordExternal: (input) => recordExternalOrder(models, runtime, base, input),
      syncPos: (storeId, transactions) => syncPosTransactions(models, runtime, base, storeId, transactions),
      watchStatus: async (args) => watchOrderStatus(await runtime.liveFeed(), models, loaders, principal, args),
    },
    returns: {
      create: (input) => createReturn(models, runtime, { principal, loaders }, input),
      receive: (input) => receiveReturn(models, runtime, principal, input),
      refund: (input) => refundPayment(models, runtime, principal, input),
    },
  };
}
