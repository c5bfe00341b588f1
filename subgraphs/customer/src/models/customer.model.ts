import { Schema, type Connection, type Model } from 'mongoose';
import { pendingEventsPlugin, type AnyEnvelope } from '@mesh/events';

export type IdentityKind = 'WEB_ACCOUNT' | 'LOYALTY_CARD' | 'MARKETPLACE_BUYER' | 'EMAIL' | 'PHONE';
export type LoyaltyTier = 'NONE' | 'SILVER' | 'GOLD' | 'PLATINUM';

export const IDENTITY_KINDS: readonly IdentityKind[] = ['WEB_ACCOUNT', 'LOYALTY_CARD', 'MARKETPLACE_BUYER', 'EMAIL', 'PHONE'];
export const LOYALTY_TIERS: readonly LoyaltyTier[] = ['NONE', 'SILVER', 'GOLD', 'PLATINUM'];

/** One channel identity as stored; EMAIL values are lower-case, PHONE values E.164. */
export interface IdentityRecord {
  kind: IdentityKind;
  value: string;
}

/** A customer profile as stored, always unmasked. Only pii-masking.ts turns it into what a caller sees. */
export interface CustomerRecord {
  _id: string;
  name: string;
  email?: string | null;
  phone?: string | null;
  loyaltyTier: LoyaltyTier;
  region: string;
  identities: IdentityRecord[];
  createdAt: Date;
  /** Set when this record was merged into another: the survivor's id. The record stays so that its id keeps resolving. */
  mergedInto?: string | null;
  /** When this record was merged away. */
  mergedAt?: Date | null;
  /** The idempotency key of the merge that merged this record away; unique, so a key merges one record. */
  mergeKey?: string | null;
  /**
   * Held while a merge involving this record (as survivor or as merged) is under way, so that two
   * different merges cannot cross (A into B while B into A). Expires, so a crashed merge frees it.
   */
  mergeLock?: { key: string; token: string; until: Date } | null;
  /** Events recorded by the same write as the change they report, until the outbox relay publishes them. */
  pendingEvents?: AnyEnvelope[];
}

const identitySchema = new Schema<IdentityRecord>(
  {
    kind: { type: String, required: true, enum: IDENTITY_KINDS },
    value: { type: String, required: true },
  },
  { _id: false },
);

const customerSchema = new Schema<CustomerRecord>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    email: { type: String },
    phone: { type: String },
    loyaltyTier: { type: String, required: true, enum: LOYALTY_TIERS },
    region: { type: String, required: true },
    identities: { type: [identitySchema], default: [] },
    createdAt: { type: Date, required: true },
    mergedInto: { type: String },
    mergedAt: { type: Date },
    mergeKey: { type: String },
    mergeLock: {
      type: new Schema(
        { key: { type: String, required: true }, token: { type: String, required: true }, until: { type: Date, required: true } },
        { _id: false },
      ),
      default: undefined,
    },
  },
  { versionKey: false, collection: 'customers' },
);
// Not unique: the same shopper can be on two records (same email) until they are merged.
customerSchema.index({ 'identities.kind': 1, 'identities.value': 1 });
customerSchema.index({ email: 1 });
customerSchema.index({ name: 1 });
customerSchema.index({ mergedInto: 1 });
customerSchema.index({ mergeKey: 1 }, { unique: true, sparse: true });
customerSchema.plugin(pendingEventsPlugin);

export type CustomerModel = Model<CustomerRecord>;

export function registerCustomerModel(connection: Connection): CustomerModel {
  return connection.model<CustomerRecord>('Customer', customerSchema);
}
