import { Schema, type Connection, type Model } from 'mongoose';

/**
 * An outside system (a WMS, a CRM, an ERP) that receives the mesh's events: where, which topics,
 * and the secret every delivery to it is signed with.
 */
export interface EventSubscriptionRecord {
  _id: string;
  url: string;
  topics: string[];
  description?: string;
  /** The HMAC key of its signatures; shown once, when registered. */
  secret: string;
  active: boolean;
  createdAt: Date;
}

const eventSubscriptionSchema = new Schema<EventSubscriptionRecord>(
  {
    _id: { type: String, required: true },
    url: { type: String, required: true },
    topics: { type: [String], required: true },
    description: String,
    secret: { type: String, required: true },
    active: { type: Boolean, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'event_subscriptions' },
);
// Fan-out: the active subscriptions of an event's topic.
eventSubscriptionSchema.index({ topics: 1, active: 1 });

export type EventSubscriptionModel = Model<EventSubscriptionRecord>;

export function registerEventSubscriptionModel(connection: Connection): EventSubscriptionModel {
  return connection.model<EventSubscriptionRecord>('EventSubscription', eventSubscriptionSchema);
}
