import { randomUUID } from 'node:crypto';
import { announceEvents, createEnvelope, isDuplicateKey, withPendingEvents } from '@mesh/events';
import { idempotencyKeyReused, identifier, notFound, type Principal } from '@mesh/server-kit';
import { requireMergeRight } from '../access.js';
import { mergeInProgress } from '../errors.js';
import type { CustomerModels } from '../models/index.js';
import type { CustomerRecord, IdentityRecord } from '../models/customer.model.js';
import { presentCustomer, type CustomerView } from '../pii-masking.js';

/** A merge as the mutation receives it. */
export interface MergeCustomersInput {
  readonly survivorId: string;
  readonly mergedId: string;
  readonly idempotencyKey: string;
}

/** The merged record now resolves to the survivor, which holds its identities. */
export interface CustomersMergedOutcome {
  readonly kind: 'merged';
  readonly survivor: CustomerView;
  /** The merged-away record as stored (its own id), for the record of what was merged. */
  readonly merged: CustomerView;
}

export type MergeRefusalReason = 'SAME_CUSTOMER' | 'ALREADY_MERGED' | 'SURVIVOR_MERGED_AWAY';

/** The merge was refused as a business outcome; nothing was changed. */
export interface MergeRefusedOutcome {
  readonly kind: 'refused';
  readonly reason: MergeRefusalReason;
  /** For ALREADY_MERGED and SURVIVOR_MERGED_AWAY: the record it was merged into. */
  readonly mergedIntoId: string | null;
}

export type MergeOutcome = CustomersMergedOutcome | MergeRefusedOutcome;

/** Who is merging, as the request context knows it. */
export interface Caller {
  readonly principal: Principal;
  readonly correlationId: string;
}

/** How long a merge holds its two records; a merge that crashed frees them after this. */
const LOCK_LEASE_MS = 15_000;
/** How long a request waits for an identical request (same key) that is executing the merge. */
const WAIT_FOR_TWIN_MS = 5_000;

/**
 * Merges `mergedId` into `survivorId` (associates and admins). Checks input and state before
 * writing; then holds both records (a lease, so that two different merges cannot cross, e.g.
 * A into B while B into A) and sets `mergedInto` on the merged record, guarded on it not being
 * merged yet, by the same single-document write that records the `customer.customers-merged`
 * event for the outbox relay; then adds its identities to the survivor (`$addToSet`).
 *
 * The key is stored on the merged record: the same key again returns the same answer and changes
 * nothing (it finishes the identity copy if the first request died before it); with a different
 * input it throws IDEMPOTENCY_KEY_REUSED. Concurrent identical requests execute once: the others
 * wait for the one that holds the records and answer as a replay. A different merge of either
 * record while one is under way throws MERGE_IN_PROGRESS (retryable). Unknown ids: NOT_FOUND.
 */
export async function mergeCustomers(models: CustomerModels, caller: Caller, input: MergeCustomersInput): Promise<MergeOutcome> {
  requireMergeRight(caller.principal);
  const request = {
    survivorId: identifier(input.survivorId, 'input.survivorId'),
    mergedId: identifier(input.mergedId, 'input.mergedId'),
    idempotencyKey: identifier(input.idempotencyKey, 'input.idempotencyKey'),
  };
  const deadline = Date.now() + WAIT_FOR_TWIN_MS;
  for (;;) {
    const state = await decide(models, request);
    if (state.kind === 'replay') return answer(models, state.merged);
    if (state.kind === 'refused') return state;
    const holder = [state.survivor, state.merged].find((record) => record.mergeLock && record.mergeLock.until.getTime() > Date.now());
    if (holder?.mergeLock && holder.mergeLock.key !== request.idempotencyKey) throw mergeInProgress(holder._id);
    if (!holder) {
      const token = randomUUID();
      if (await lock(models, request, token)) {
        try {
          return await execute(models, caller, request, state.merged, token);
        } finally {
          await unlock(models, request, token);
        }
      }
    }
    // An identical request holds the records (or took them just now): its answer will be ours.
    if (Date.now() > deadline) throw mergeInProgress(request.mergedId);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

type Decision =
  | { readonly kind: 'replay'; readonly merged: CustomerRecord }
  | MergeRefusedOutcome
  | { readonly kind: 'proceed'; readonly survivor: CustomerRecord; readonly merged: CustomerRecord };

/** Reads the key and both records in one query and decides what this request may do. */
async function decide(models: CustomerModels, request: MergeCustomersInput): Promise<Decision> {
  const { survivorId, mergedId, idempotencyKey } = request;
  const rows = await models.customers
    .find({ $or: [{ mergeKey: idempotencyKey }, { _id: { $in: [survivorId, mergedId] } }] }, { pendingEvents: 0 })
    .lean<CustomerRecord[]>();
  const earlier = rows.find((row) => row.mergeKey === idempotencyKey);
  if (earlier) {
    if (earlier._id !== mergedId || earlier.mergedInto !== survivorId) throw idempotencyKeyReused(idempotencyKey);
    return { kind: 'replay', merged: earlier };
  }
  if (survivorId === mergedId) return refused('SAME_CUSTOMER', null);
  const survivor = rows.find((row) => row._id === survivorId);
  const merged = rows.find((row) => row._id === mergedId);
  if (!survivor) throw notFound(`No customer ${survivorId}`, { argument: 'input.survivorId' });
  if (!merged) throw notFound(`No customer ${mergedId}`, { argument: 'input.mergedId' });
  if (merged.mergedInto) return refused('ALREADY_MERGED', merged.mergedInto);
  if (survivor.mergedInto) return refused('SURVIVOR_MERGED_AWAY', survivor.mergedInto);
  return { kind: 'proceed', survivor, merged };
}

function refused(reason: MergeRefusalReason, mergedIntoId: string | null): MergeRefusedOutcome {
  return { kind: 'refused', reason, mergedIntoId };
}

/** Takes both (live) records in id order, or neither. */
async function lock(models: CustomerModels, request: MergeCustomersInput, token: string): Promise<boolean> {
  const ids = [request.survivorId, request.mergedId].sort();
  const taken: string[] = [];
  for (const id of ids) {
    const now = new Date();
    const result = await models.customers.updateOne(
      { _id: id, mergedInto: null, $or: [{ mergeLock: null }, { 'mergeLock.until': { $lt: now } }] },
      { $set: { mergeLock: { key: request.idempotencyKey, token, until: new Date(now.getTime() + LOCK_LEASE_MS) } } },
    );
    if (result.modifiedCount !== 1) {
      await release(models, taken, token);
      return false;
    }
    taken.push(id);
  }
  return true;
}

function unlock(models: CustomerModels, request: MergeCustomersInput, token: string): Promise<void> {
  return release(models, [request.survivorId, request.mergedId], token);
}

async function release(models: CustomerModels, ids: readonly string[], token: string): Promise<void> {
  if (ids.length > 0) await models.customers.updateMany({ _id: { $in: [...ids] }, 'mergeLock.token': token }, { $unset: { mergeLock: 1 } });
}

/** The merge itself, with both records held. */
async function execute(
  models: CustomerModels,
  caller: Caller,
  request: MergeCustomersInput,
  merged: CustomerRecord,
  token: string,
): Promise<CustomersMergedOutcome> {
  const { survivorId, mergedId, idempotencyKey } = request;
  const survivorBefore = await models.customers.findById(survivorId, { identities: 1 }).lean<Pick<CustomerRecord, 'identities'>>();
  const held = new Set((survivorBefore?.identities ?? []).map(identityKey));
  const movedIdentityKinds = [...new Set(merged.identities.filter((identity) => !held.has(identityKey(identity))).map((identity) => identity.kind))].sort();
  const mergedAt = new Date();
  const event = createEnvelope(
    'customer.customers-merged',
    { survivorId, mergedId, movedIdentityKinds },
    { correlationId: caller.correlationId, idempotencyKey: `customer:${mergedId}:merged`, occurredAt: mergedAt },
  );
  try {
    const result = await models.customers.updateOne(
      { _id: mergedId, mergedInto: null, 'mergeLock.token': token },
      withPendingEvents({ $set: { mergedInto: survivorId, mergedAt, mergeKey: idempotencyKey } }, event),
    );
    // Only a lease that expired mid-merge (and was taken over) gets here.
    if (result.modifiedCount !== 1) throw mergeInProgress(mergedId);
  } catch (error) {
    // The unique key index: another record was merged away under this key, with a different input.
    if (isDuplicateKey(error)) throw idempotencyKeyReused(idempotencyKey);
    throw error;
  }
  announceEvents(models.customers);
  return answer(models, { ...merged, mergedInto: survivorId, mergedAt, mergeKey: idempotencyKey });
}

/**
 * The answer for a merged record. Adding its identities to the survivor is idempotent, so a replay
 * repeats it: a no-op, unless the first request died between the merge and the copy.
 */
async function answer(models: CustomerModels, merged: CustomerRecord): Promise<CustomersMergedOutcome> {
  const survivorId = merged.mergedInto;
  if (!survivorId) throw new Error(`customer ${merged._id} is not merged`);
  const survivor = await models.customers
    .findOneAndUpdate(
      { _id: survivorId },
      { $addToSet: { identities: { $each: merged.identities.map(({ kind, value }) => ({ kind, value })) } } },
      { returnDocument: 'after', projection: { pendingEvents: 0 } },
    )
    .lean<CustomerRecord>();
  if (!survivor) throw new Error(`customer ${merged._id} was merged into missing customer ${survivorId}`);
  // Merging is for staff who may read personal data (requireMergeRight), so the answer is unmasked.
  return { kind: 'merged', survivor: presentCustomer(survivor, true), merged: presentCustomer(merged, true) };
}

function identityKey(identity: IdentityRecord): string {
  return `${identity.kind}\u0000${identity.value}`;
}
