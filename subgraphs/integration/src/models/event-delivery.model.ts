import { Schema, type Connection, type Model } from 'mongoose';

export const DELIVERY_STATUSES = ['PENDING', 'DELIVERED', 'DEAD'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * One event on its way to one subscriber: `_id` is `<subscription id>:<event id>`, so an event
 * the bus delivers twice is queued once. Deliveries of one `orderingKey` go out one at a time in
 * (`occurredAt`, `sequence`) order; a DEAD one (retries exhausted) no longer holds its key back.
 */
export interface EventDeliveryRecord {
  _id: string;
  subscriptionId: string;
  eventId: string;
  topic: string;
  orderingKey: string;
  occurredAt: Date;
  /** Arrival order at the fan-out, to order events of one key that happened at the same instant. */
  sequence: number;
  /** The envelope as JSON: exactly the bytes sent and signed. */
  body: string;
  status: DeliveryStatus;
  attempts: number;
  /** When it may be sent (next): at once, after a failure's backoff, or after a sender's claim lapses. */
  nextAttemptAt: Date;
  lastError?: string;
  deliveredAt?: Date;
  deadAt?: Date;
}

const eventDeliverySchema = new Schema<EventDeliveryRecord>(
  {
    _id: { type: String, required: true },
    subscriptionId: { type: String, required: true },
    eventId: { type: String, required: true },
    topic: { type: String, required: true },
    orderingKey: { type: String, required: true },
    occurredAt: { type: Date, required: true },
    sequence: { type: Number, required: true },
    body: { type: String, required: true },
    status: { type: String, required: true, enum: DELIVERY_STATUSES },
    attempts: { type: Number, required: true },
    nextAttemptAt: { type: Date, required: true },
    lastError: String,
    deliveredAt: Date,
    deadAt: Date,
  },
  { versionKey: false, collection: 'event_deliveries' },
);
// A subscriber's queue, oldest first; also its counts per status.
eventDeliverySchema.index({ subscriptionId: 1, status: 1, occurredAt: 1, sequence: 1 });

export type EventDeliveryModel = Model<EventDeliveryRecord>;

export function registerEventDeliveryModel(connection: Connection): EventDeliveryModel {
  return connection.model<EventDeliveryRecord>('EventDelivery', eventDeliverySchema);
}
