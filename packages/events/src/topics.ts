import type { Domain } from './payloads/common.payloads.js';
import type { CustomersMerged } from './payloads/customer.payloads.js';
import type {
  AvailabilityChanged,
  ReservationCommitted,
  ReservationReleased,
  StockMovementRecorded,
  StockReservationRejected,
  StockReserved,
} from './payloads/inventory.payloads.js';
import type { BusinessDayClosed } from './payloads/ledger.payloads.js';
import type {
  OrderCancelled,
  OrderConfirmed,
  OrderPlaced,
  OrderRejected,
  OrderStatusChanged,
  PaymentAuthorized,
  PaymentCaptured,
  PaymentRefunded,
  ReturnCompleted,
  ShipmentDelivered,
  ReturnReceived,
  ReturnRequested,
} from './payloads/order.payloads.js';
import type { PriceChanged } from './payloads/product.payloads.js';

/** A topic's entry: its current payload version, and its payload type (a type-only marker). */
interface TopicDefinition<TPayload> {
  readonly version: number;
  readonly payload: TPayload;
}

/** Declares a payload type in the map; the value is never read, only its type. */
const payload = <TPayload>(): TPayload => undefined as TPayload;

/**
 * Every event the mesh publishes: topic (`<domain>.<past-tense-fact>`, also the NATS subject)
 * to its payload version and type. Only the owning domain publishes its topics, and only after
 * its state change is durable (through the outbox). Bump `version` on a breaking payload change.
 */
export const EVENT_TOPICS = {
  /**
   * Fires once per movement applied to on hand (receipt, sale, return, adjustment, cycle count, damage, transfer out/in); never for a rejected movement.
   * Version 2 adds `unitCostMinor` and `currency` (the movement's valuation at the location's currency), a compatible addition:
   * a version-1 reader ignores them; a reader of version 2 must still accept version-1 events, which carry neither.
   */
  'inventory.stock-movement-recorded': { version: 2, payload: payload<StockMovementRecorded>() },
  /** Fires when a (SKU, location)'s available-to-sell changes, after the movement, reservation or release that changed it. */
  'inventory.availability-changed': { version: 1, payload: payload<AvailabilityChanged>() },
  /** Fires when every line of an order is reserved at one location (all or nothing); a failed reservation fires nothing here. */
  'inventory.stock-reserved': { version: 1, payload: payload<StockReserved>() },
  /** Fires when a reservation is refused because a line was short (all or nothing: nothing stays reserved), with the shortages. */
  'inventory.stock-reservation-rejected': { version: 1, payload: payload<StockReservationRejected>() },
  /** Fires when a reservation is given back without a sale: the order was cancelled or rejected, or the reservation expired. */
  'inventory.reservation-released': { version: 1, payload: payload<ReservationReleased>() },
  /** Fires when a reservation becomes sale movements at fulfilment (shipped, picked up, carried out). */
  'inventory.reservation-committed': { version: 1, payload: payload<ReservationCommitted>() },

  /** Fires once when a new order is accepted (PLACED, or PENDING while inventory is unreachable); never for a replayed idempotency key. */
  'order.order-placed': { version: 1, payload: payload<OrderPlaced>() },
  /** Fires when a placed order's stock is reserved and its payment authorised: the order is CONFIRMED. */
  'order.order-confirmed': { version: 1, payload: payload<OrderConfirmed>() },
  /** Fires when an order is refused (insufficient stock, payment declined, invalid): the order is REJECTED, with the reason. */
  'order.order-rejected': { version: 1, payload: payload<OrderRejected>() },
  /** Fires on every status transition of an order, including the first, in the order they happened; the transition at which goods leave stock carries `fulfillment` (the ledger's cost of goods). */
  'order.order-status-changed': { version: 1, payload: payload<OrderStatusChanged>() },
  /** Fires when an order is CANCELLED, by request or because an uncollected pickup expired; the reservation release follows from inventory. */
  'order.order-cancelled': { version: 1, payload: payload<OrderCancelled>() },
  /** Fires when the payment provider authorises the order's amount; nothing is captured yet. */
  'order.payment-authorized': { version: 1, payload: payload<PaymentAuthorized>() },
  /** Fires for each capture of an authorised payment (at fulfilment); the ledger posts it (clearing against revenue `subtotal` and tax `tax`), once per idempotency key. */
  'order.payment-captured': { version: 1, payload: payload<PaymentCaptured>() },
  /** Fires for each refund paid back to the customer (after a return or a cancellation after capture); the ledger reverses it. */
  'order.payment-refunded': { version: 1, payload: payload<PaymentRefunded>() },
  /** Fires once when a carrier or WMS reports a shipped order delivered to the customer (recordDelivery); the order's status does not change. */
  'order.shipment-delivered': { version: 1, payload: payload<ShipmentDelivered>() },
  /** Fires when a return is opened on a completed order (its units are claimed); nothing is received or refunded yet. */
  'order.return-requested': { version: 1, payload: payload<ReturnRequested>() },
  /** Fires when returned goods are received at a location with their disposition (sellable or damaged), before the refund. */
  'order.return-received': { version: 1, payload: payload<ReturnReceived>() },
  /** Fires when a return is closed: refunded, and the order PARTIALLY_RETURNED or RETURNED. */
  'order.return-completed': { version: 1, payload: payload<ReturnCompleted>() },

  /** Fires when a scheduled price period takes effect (not when it is entered), once per price list and period start; live price subscriptions read it. */
  'product.price-changed': { version: 1, payload: payload<PriceChanged>() },

  /** Fires once when two customer records are merged into one golden record. */
  'customer.customers-merged': { version: 1, payload: payload<CustomersMerged>() },

  /** Fires once per business day and currency, when the day is closed and its journal export taken; carries the export for ERPs. */
  'ledger.business-day-closed': { version: 1, payload: payload<BusinessDayClosed>() },
} as const satisfies Record<`${Domain}.${string}`, TopicDefinition<unknown>>;

export type EventTopics = typeof EVENT_TOPICS;
/** A topic key of the map: the only thing that can be published or subscribed to. */
export type Topic = keyof EventTopics;
/** The payload type of a topic. */
export type TopicPayload<T extends Topic> = EventTopics[T]['payload'];
/** The current payload version of a topic. */
export type TopicVersion<T extends Topic> = EventTopics[T]['version'];

/** Every topic, in declaration order. */
export const TOPICS = Object.keys(EVENT_TOPICS) as Topic[];

export function isTopic(value: unknown): value is Topic {
  return typeof value === 'string' && Object.hasOwn(EVENT_TOPICS, value);
}

/** The owning domain of a topic: its first segment. */
export function domainOf(topic: Topic): Domain {
  return topic.slice(0, topic.indexOf('.')) as Domain;
}
