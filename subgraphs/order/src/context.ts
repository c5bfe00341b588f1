import type { LiveFeed } from '@mesh/events';
import { meshError, type CurrencyCode, type RequestContext } from '@mesh/server-kit';
import { readPaymentsOfDay, type OrderDayPaymentsView } from './services/payments-of-day.service.js';
import { createOrderLoaders, type OrderLoaders } from './loaders.js';
import type { OrderModels } from './models/index.js';
import type { OrderRecord } from './models/order.model.js';
import type { OrderCommand } from './order-lifecycle.js';
import type { OrderKpis } from './order-kpis.js';
import type { OrderRuntime } from './order-runtime.js';
import { placeOrder, type PlaceOrderResult } from './services/place-order.service.js';
import { transitionOrder, type TransitionRequest } from './services/transition-order.service.js';
import type { PlaceOrderInput } from './__generated__/resolvers-types.js';
import { customerOrders } from './services/customer-orders.service.js';
import { listOrders } from './services/list-orders.service.js';
import type { OrderPage } from './services/order-connection.js';
import { readOrderTraceSteps } from './services/read-trace-steps.service.js';
import { readOrder, type OrderLookup } from './services/read-order.service.js';
import { watchOrderStatus, type OrderStatusUpdateView, type WatchOrderStatusArgs } from './services/watch-order-status.service.js';
import { syncPosTransactions, type PosSyncResult } from './services/sync-pos-transactions.service.js';
import type { ExternalOrderInput, PosTransactionInput } from './__generated__/resolvers-types.js';
import { recordExternalOrder } from './services/record-external-order.service.js';
import { recordDelivery, type RecordDeliveryRequest } from './services/record-delivery.service.js';

import { createReturn, type CreateReturnOutcome } from './services/create-return.service.js';
import { receiveReturn, type ReceiveReturnOutcome } from './services/receive-return.service.js';
import { refundPayment, type RefundPaymentOutcome } from './services/refund-payment.service.js';
import type { CreateReturnInput, ReceiveReturnInput, RefundPaymentInput } from './__generated__/resolvers-types.js';

type PageArgs = { first?: number | null; after?: string | null };

/** What order resolvers receive: the caller, fresh loaders, and the use cases bound to this caller and database. */
export interface OrderContext extends RequestContext {
  readonly loaders: OrderLoaders;
  /** The order domain's steps of a workflow (Trace.orderSteps). */
  readonly traceSteps: (correlationId: string) => ReturnType<typeof readOrderTraceSteps>;
  /** The order domain's KPIs in this process (LiveKpis); UNAVAILABLE before the module started. */
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
    /** The lifecycle mutations (order-lifecycle.ts). */
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
  /** Returns and refunds (services/create-return, receive-return, refund-payment). */
  readonly returns: {
    /** Mutation.createReturn. */
    readonly create: (input: CreateReturnInput) => Promise<CreateReturnOutcome>;
    /** Mutation.receiveReturn. */
    readonly receive: (input: ReceiveReturnInput) => Promise<ReceiveReturnOutcome>;
    /** Mutation.refundPayment. */
    readonly refund: (input: RefundPaymentInput) => Promise<RefundPaymentOutcome>;
  };
}

/** `liveFeed` is the module's feed once its background work started (subscriptions need it). */
export function createOrderContext(base: RequestContext, models: OrderModels, runtime: OrderRuntime, liveFeed: () => LiveFeed | undefined = () => undefined): OrderContext {
  const loaders = createOrderLoaders(models);
  const { principal } = base;
  return {
    ...base,
    loaders,
    traceSteps: (correlationId) => readOrderTraceSteps(models, correlationId),
    liveKpis: () => {
      if (!runtime.kpis) throw meshError('UNAVAILABLE', 'The KPIs are not measured in this process');
      return runtime.kpis;
    },
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
      watchStatus: async (args) => {
        const feed = liveFeed();
        if (!feed) throw meshError('UNAVAILABLE', 'Live updates are not running in this process');
        return watchOrderStatus(feed, models, loaders, principal, args);
      },
    },
    returns: {
      create: (input) => createReturn(models, runtime, { principal, loaders }, input),
      receive: (input) => receiveReturn(models, runtime, principal, input),
      refund: (input) => refundPayment(models, runtime, principal, input),
    },
  };
}
