import { isDuplicateKey } from '@mesh/events';
import { Schema, type Connection, type Model } from 'mongoose';
import { productError } from '../errors.js';
import { canMeet, type PromotionRule } from './promotion-rules.js';
import { ruleOf, type PromotionRecord } from './promotion.model.js';

/** What the overlap check needs of an exclusive promotion being created (or created). */
export interface ExclusiveClaim {
  promotionId: string;
  /** The creating request's idempotency key: its repeat finds its claim and goes on. */
  key: string;
  startsAt: Date;
  endsAt: Date;
  scope: PromotionRule['scope'];
  claimedAt: Date;
}

/**
 * The one document every creation of an EXCLUSIVE promotion writes before its promotion: the
 * claims of the exclusive promotions not yet ended, and a version. A creation reads it, checks its
 * rule against every claim (and every stored exclusive promotion), and adds its claim with a
 * compare-and-set on the version: of two creations racing, the second's write fails, it reads
 * again, sees the first's claim and is refused. One single-document update: no transaction
 * needed, on the embedded database or MongoDB 7.
 */
export interface ExclusiveClaimsRecord {
  _id: typeof CLAIMS_ID;
  version: number;
  claims: ExclusiveClaim[];
}

const CLAIMS_ID = 'exclusive-promotions';
/** A claim whose promotion is not stored this long after it was made belongs to a creation that died. */
const ABANDONED_AFTER_MS = 60_000;
/** Compare-and-set attempts before answering WRITE_CONTENDED (creations are rare: a few administrators). */
const MAX_ATTEMPTS = 20;

const claimsSchema = new Schema<ExclusiveClaimsRecord>(
  {
    _id: { type: String, required: true },
    version: { type: Number, required: true },
    claims: {
      type: [{ promotionId: String, key: String, startsAt: Date, endsAt: Date, scope: Schema.Types.Mixed, claimedAt: Date, _id: false }],
      default: [],
    },
  },
  { versionKey: false, minimize: false, collection: 'promotion_claims' },
);

export type ExclusiveClaimsModel = Model<ExclusiveClaimsRecord>;

export function registerExclusiveClaimsModel(connection: Connection): ExclusiveClaimsModel {
  return connection.model<ExclusiveClaimsRecord>('ExclusiveClaims', claimsSchema);
}

interface ClaimModels {
  readonly promotions: Model<PromotionRecord>;
  readonly exclusiveClaims: ExclusiveClaimsModel;
}

/**
 * Claims the right to create the EXCLUSIVE promotion `rule` under `key`: refused with
 * PROMOTION_EXCLUSIVE_OVERLAP when it can meet another exclusive promotion, stored or being
 * created (promotion-rules.ts canMeet); WRITE_CONTENDED after MAX_ATTEMPTS lost compare-and-sets.
 * A repeat of the same key finds its claim and succeeds. Writes only the claims document.
 */
export async function claimExclusive(models: ClaimModels, rule: PromotionRule, key: string, now: Date): Promise<void> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await models.exclusiveClaims.findById(CLAIMS_ID).lean<ExclusiveClaimsRecord>();
    const version = current?.version ?? 0;
    const claims = (current?.claims ?? []).filter((claim) => claim.endsAt.getTime() > now.getTime());
    if (claims.some((claim) => claim.key === key)) return;
    // Promotions stored without a claim (seeded ones, those from before claims) count too.
    const stored = await models.promotions.find({ endsAt: { $gt: rule.startsAt }, stacking: 'EXCLUSIVE' }).lean<PromotionRecord[]>();
    const storedClash = stored.map(ruleOf).find((other) => other.id !== rule.id && canMeet(rule, other));
    if (storedClash) throw productError('PROMOTION_EXCLUSIVE_OVERLAP', { promotionId: rule.id, overlapsWith: storedClash.id });
    const clashes = claims.filter((claim) => canMeet(rule, { ...claim, scope: claim.scope ?? {} }));
    const abandoned = await abandonedAmong(models, clashes, now);
    const live = clashes.find((claim) => !abandoned.has(claim.promotionId));
    if (live) throw productError('PROMOTION_EXCLUSIVE_OVERLAP', { promotionId: rule.id, overlapsWith: live.promotionId });
    const mine: ExclusiveClaim = { promotionId: rule.id, key, startsAt: rule.startsAt, endsAt: rule.endsAt, scope: rule.scope, claimedAt: now };
    const kept = claims.filter((claim) => !abandoned.has(claim.promotionId));
    if (await compareAndSet(models, version, [...kept, mine])) return;
  }
  throw productError('WRITE_CONTENDED', { promotionId: rule.id });
}

/** Withdraws the claim made under `key` (its creation was refused after claiming). */
export async function withdrawClaim(models: ClaimModels, key: string): Promise<void> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await models.exclusiveClaims.findById(CLAIMS_ID).lean<ExclusiveClaimsRecord>();
    if (!current?.claims.some((claim) => claim.key === key)) return;
    if (
      await compareAndSet(
        models,
        current.version,
        current.claims.filter((claim) => claim.key !== key),
      )
    )
      return;
  }
  // Left behind, it lapses: ABANDONED_AFTER_MS after it was made, no promotion stands behind it.
}

/** Writes `claims` as the next version when the document is still at `version` (absent: 0). */
async function compareAndSet(models: ClaimModels, version: number, claims: ExclusiveClaim[]): Promise<boolean> {
  try {
    const written = await models.exclusiveClaims.updateOne({ _id: CLAIMS_ID, version }, { $set: { claims }, $inc: { version: 1 } }, { upsert: version === 0 });
    return written.modifiedCount === 1 || written.upsertedCount === 1;
  } catch (error) {
    // Two first claims upserting at once: the loser reads the winner's document and tries again.
    if (isDuplicateKey(error)) return false;
    throw error;
  }
}

/** The ids of those claims made over ABANDONED_AFTER_MS ago whose promotion was never stored. */
async function abandonedAmong(models: ClaimModels, claims: readonly ExclusiveClaim[], now: Date): Promise<Set<string>> {
  const old = claims.filter((claim) => now.getTime() - claim.claimedAt.getTime() > ABANDONED_AFTER_MS).map((claim) => claim.promotionId);
  if (!old.length) return new Set();
  const stored = await models.promotions.find({ _id: { $in: old } }, { _id: 1 }).lean<{ _id: string }[]>();
  const storedIds = new Set(stored.map((promotion) => promotion._id));
  return new Set(old.filter((id) => !storedIds.has(id)));
}
